export { AppError, type AppErrorOptions, type InvalidParam } from './app-error';
export { createServiceApp, flagsOf, type ServiceAppOptions } from './create-service-app';
export type { ReadinessCheck } from './health';
export { bearerToken } from './http/internal-token';
export {
  completeAbandonedKeys,
  IDEMPOTENCY_MIGRATIONS,
  type IdempotentOptions,
  idempotent,
  KEY_LEASE_S,
  KEY_TTL_S,
  type KeyCompleterOptions,
  type KeyProgress,
  NO_KEY,
  parseIdempotencyKey,
  type RunSql,
  type StoredAnswer,
  startKeyCompleter,
} from './idempotency';
export { type Poller, poll } from './poller';
export { expireRows, type RetentionRule, startRetention } from './retention';
export { type Listening, listen, runMain, type ServeOptions, serve } from './serve';
export { validate } from './validate';
