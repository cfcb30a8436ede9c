export {
  SEED_PASSWORD,
  SEED_USERS,
  STAFF_EMAIL,
  seedCatalog,
  seedOrders,
  seedUserEmail,
} from './seed-shop';
