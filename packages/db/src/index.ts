export { type AdmissionRules, GatedPool, type RefusalReason } from './gated-pool';
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
export {
  isStatementTimeout,
  type ServerFlavour,
  serverFlavour,
  withStatementTimeout,
} from './statement-timeout';
