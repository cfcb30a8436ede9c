export { AppError, type AppErrorOptions, type InvalidParam } from './app-error';
export { createServiceApp, type ServiceAppOptions } from './create-service-app';
export type { ReadinessCheck } from './health';
export { type Listening, listen, runMain, type ServeOptions, serve } from './serve';
export { validate } from './validate';
