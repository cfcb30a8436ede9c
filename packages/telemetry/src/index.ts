export { createLogger, type Logger } from './logger';
export { getMeter, serveMetrics } from './metrics';
export { shutdownTelemetry, startTelemetry } from './sdk';
export { currentTraceId } from './trace-id';
