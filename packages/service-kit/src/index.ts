export { AppError, type AppErrorOptions, type InvalidParam } from './app-error';
export { createServiceApp, type ServiceAppOptions } from './create-service-app';
export type { ReadinessCheck } from './health';
export { type IdempotentOptions, idempotent, KEY_TTL_S, type RunSql, type StoredAnswer } from './idempotency';
export { type Listening, listen, runMain, type ServeOptions, serve } from './serve';
export { validate } from './validate';
