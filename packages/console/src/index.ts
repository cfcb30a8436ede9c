export { decodeLogs, decodeTraces, OtlpDecodeError, otlpEncoding } from './otlp/decode';
export type { StoredLog, StoredSpan } from './otlp/telemetry-types';
export type { ConsoleHost } from './server/console-host';
export { type ConsoleOptions, type RunningConsole, startConsole } from './server/console-server';
export type { MetricSample } from './signals/metric-sample';
export type { TraceSummary } from './store/span-store';
export { alignRows, type LayoutSpan, labelPlacement, rowKey, type SpanRow, spanTree } from './trace-layout';
