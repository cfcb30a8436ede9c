import protobuf from 'protobufjs';
import { OTLP_PROTO } from './otlp-proto';
import type { AttributeValue, SpanKind, StoredLog, StoredSpan } from './telemetry-types';

/**
 * OTLP/HTTP bodies into the console's spans and logs. The SDK sends protobuf by default
 * (`application/x-protobuf`) and JSON when `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`: both are decoded
 * into the same camelCase shape first (protobufjs names fields as OTLP's JSON mapping does), then
 * normalised once, so the two encodings cannot drift apart.
 */
const root = protobuf.parse(OTLP_PROTO).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('otlp.ExportLogsServiceRequest');

export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

type Encoding = 'protobuf' | 'json';

/** Which encoding a request's Content-Type names; undefined for anything OTLP/HTTP does not allow. */
export function otlpEncoding(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function parse(body: Buffer, encoding: Encoding, type: protobuf.Type): Record<string, unknown> {
  try {
    if (encoding === 'json') {
      const value: unknown = JSON.parse(body.toString('utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error('the body is not a JSON object');
      }
      return value as Record<string, unknown>;
    }
    return type.toObject(type.decode(body), { longs: String, enums: Number, defaults: false }) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new OtlpDecodeError(`not an OTLP ${type.name} in ${encoding}: ${(error as Error).message}`);
  }
}

export function decodeTraces(body: Buffer, encoding: Encoding): StoredSpan[] {
  const request = parse(body, encoding, TraceRequest);
  const spans: StoredSpan[] = [];
  for (const resourceSpans of list(request.resourceSpans)) {
    const service = serviceName(resourceSpans);
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      for (const span of list(scopeSpans.spans)) spans.push(toSpan(span, service));
    }
  }
  return spans;
}

export function decodeLogs(body: Buffer, encoding: Encoding): StoredLog[] {
  const request = parse(body, encoding, LogsRequest);
  const logs: StoredLog[] = [];
  for (const resourceLogs of list(request.resourceLogs)) {
    const service = serviceName(resourceLogs);
    for (const scopeLogs of list(resourceLogs.scopeLogs)) {
      for (const record of list(scopeLogs.logRecords)) {
        const traceId = hexId(record.traceId);
        const spanId = hexId(record.spanId);
        logs.push({
          timeMs: nanosToMs(record.timeUnixNano) || nanosToMs(record.observedTimeUnixNano),
          service,
          level: String(record.severityText ?? 'info').toLowerCase(),
          message: String(anyValue(record.body) ?? ''),
          ...(traceId ? { traceId } : {}),
          ...(spanId ? { spanId } : {}),
          fields: attributes(record.attributes),
        });
      }
    }
  }
  return logs;
}

const KINDS: SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'] as const;

function toSpan(span: Record<string, unknown>, service: string): StoredSpan {
  const traceId = hexId(span.traceId);
  const spanId = hexId(span.spanId);
  if (!traceId || !spanId) throw new OtlpDecodeError('a span without a trace id or span id');
  const parentSpanId = hexId(span.parentSpanId);
  const startMs = nanosToMs(span.startTimeUnixNano);
  const status = (span.status ?? {}) as Record<string, unknown>;
  const statusMessage = typeof status.message === 'string' && status.message ? status.message : undefined;
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: String(span.name ?? ''),
    kind: KINDS[Number(span.kind ?? 0)] ?? 'unspecified',
    service,
    startMs,
    durationMs: Math.max(0, nanosToMs(span.endTimeUnixNano) - startMs),
    status: STATUS[Number(status.code ?? 0)] ?? 'unset',
    ...(statusMessage ? { statusMessage } : {}),
    attributes: attributes(span.attributes),
    events: list(span.events).map((event) => ({
      timeMs: nanosToMs(event.timeUnixNano),
      name: String(event.name ?? ''),
      attributes: attributes(event.attributes),
    })),
    links: list(span.links).flatMap((link) => {
      const linkTrace = hexId(link.traceId);
      const linkSpan = hexId(link.spanId);
      return linkTrace && linkSpan ? [{ traceId: linkTrace, spanId: linkSpan }] : [];
    }),
  };
}

function list(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? (value.filter((item) => typeof item === 'object' && item) as never) : [];
}

function serviceName(resourceItem: Record<string, unknown>): string {
  const resource = (resourceItem.resource ?? {}) as Record<string, unknown>;
  return String(attributes(resource.attributes)['service.name'] ?? 'unknown');
}

/** Ids are bytes in protobuf and hex strings in OTLP's JSON mapping; all-zero ids mean "none". */
function hexId(value: unknown): string | undefined {
  let hex: string | undefined;
  if (value instanceof Uint8Array) hex = Buffer.from(value).toString('hex');
  else if (typeof value === 'string' && /^[0-9a-fA-F]+$/.test(value)) hex = value.toLowerCase();
  return hex && /[^0]/.test(hex) ? hex : undefined;
}

/** Nanosecond timestamps arrive as decimal strings (64-bit) or numbers; ms keep sub-microsecond precision. */
function nanosToMs(value: unknown): number {
  if (typeof value === 'number') return value / 1e6;
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    // Split so the 19-digit value is not rounded before dividing.
    const ms = value.length > 6 ? Number(value.slice(0, -6)) : 0;
    return ms + Number(value.slice(-6)) / 1e6;
  }
  return 0;
}

function attributes(value: unknown): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const pair of list(value)) {
    const decoded = anyValue(pair.value);
    if (typeof pair.key === 'string' && decoded !== undefined) result[pair.key] = decoded;
  }
  return result;
}

function anyValue(value: unknown): AttributeValue | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const any = value as Record<string, unknown>;
  if (typeof any.stringValue === 'string') return any.stringValue;
  if (typeof any.boolValue === 'boolean') return any.boolValue;
  if (any.intValue !== undefined) return Number(any.intValue);
  if (any.doubleValue !== undefined) return Number(any.doubleValue);
  if (any.arrayValue !== undefined) {
    return JSON.stringify(list((any.arrayValue as Record<string, unknown>).values).map(anyValue));
  }
  if (any.kvlistValue !== undefined) {
    return JSON.stringify(attributes((any.kvlistValue as Record<string, unknown>).values));
  }
  if (any.bytesValue !== undefined) return hexId(any.bytesValue) ?? '';
  return undefined;
}
