export { SEED_PASSWORD, SEED_USERS, seedCatalog, seedOrders } from './seed-shop';
