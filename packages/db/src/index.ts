export { type MigrateOptions, migrate } from './migrate';
export {
  createPool,
  dropDatabase,
  ensureDatabase,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type ResultSetHeader,
  type RowDataPacket,
} from './pool';
