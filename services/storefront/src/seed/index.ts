export {
  countHistory,
  SEED_PASSWORD,
  SEED_USERS,
  STAFF_EMAIL,
  seedCatalog,
  seedOrders,
  seedUserEmail,
  setHistory,
} from './seed-shop';
