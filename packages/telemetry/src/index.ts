export { createLogger, type Logger } from './logger';
export { getMeter, polledGauge, serveMetrics } from './metrics';
export { asResend } from './resend-count';
export { shutdownTelemetry, startTelemetry } from './sdk';
export { currentTraceId } from './trace-id';
