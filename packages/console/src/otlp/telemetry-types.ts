/** A span as the console keeps it: ids in hex, times in epoch milliseconds, attributes flattened. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  service: string;
  startMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, AttributeValue>;
  events: Array<{ timeMs: number; name: string; attributes: Record<string, AttributeValue> }>;
  links: Array<{ traceId: string; spanId: string }>;
}

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type AttributeValue = string | number | boolean;

/** A log line: from a service's stdout (pino JSON) or from an OTLP log export. */
export interface StoredLog {
  timeMs: number;
  service: string;
  level: string;
  message: string;
  traceId?: string;
  spanId?: string;
  fields: Record<string, AttributeValue>;
}
