export { isDuplicateKeyError } from './duplicate-key';
export { type AdmissionRules, GatedPool, type RefusalReason } from './gated-pool';
export { type MigrateOptions, migrate } from './migrate';
export {
  createPool,
  dropDatabase,
  ensureDatabase,
  inTransaction,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type ResultSetHeader,
  type RowDataPacket,
  transaction,
} from './pool';
export {
  isStatementTimeout,
  type ServerFlavour,
  serverFlavour,
  withStatementTimeout,
} from './statement-timeout';
export { isTransientDbError } from './transient';
