import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTraces, OtlpDecodeError, otlpEncoding } from './decode';

/** What the real SDK exporters send: each request body with its content type. */
const received: Array<{ type: string | undefined; body: Buffer }> = [];
const server = createServer(async (request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  received.push({ type: request.headers['content-type'], body: Buffer.concat(chunks) });
  response.writeHead(200).end();
});
let url = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});
afterAll(() => server.close());

/** A checkout-shaped trace: a server span with a child client span that failed and carries an event. */
async function exportWith(exporter: SpanExporter) {
  received.length = 0;
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    resource: resourceFromAttributes({ 'service.name': 'storefront' }),
  });
  const tracer = provider.getTracer('test');
  const root = tracer.startSpan('POST /api/orders', {
    kind: SpanKind.SERVER,
    attributes: { 'shop.order.id': 'o-42' },
  });
  const child = tracer.startSpan(
    'POST',
    { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 503, retried: true } },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'provider down' });
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { root: root.spanContext(), child: child.spanContext() };
}

describe('decodeTraces', () => {
  for (const [encoding, make] of [
    ['protobuf', () => new ProtobufExporter({ url })],
    ['json', () => new JsonExporter({ url })],
  ] as const) {
    it(`reads the real SDK's ${encoding} export: ids, parent, kind, times, status, attributes, events`, async () => {
      const ids = await exportWith(make());
      const bodies = received.map(({ type, body }) => {
        expect(otlpEncoding(type)).toBe(encoding);
        return decodeTraces(body, encoding);
      });
      const spans = bodies.flat();
      const root = spans.find((span) => span.spanId === ids.root.spanId);
      const child = spans.find((span) => span.spanId === ids.child.spanId);
      expect(root).toMatchObject({
        traceId: ids.root.traceId,
        name: 'POST /api/orders',
        kind: 'server',
        service: 'storefront',
        status: 'unset',
        attributes: { 'shop.order.id': 'o-42' },
      });
      expect(root?.parentSpanId).toBeUndefined();
      expect(child).toMatchObject({
        traceId: ids.root.traceId,
        parentSpanId: ids.root.spanId,
        kind: 'client',
        status: 'error',
        statusMessage: 'provider down',
        attributes: { 'http.response.status_code': 503, retried: true },
        events: [{ name: 'retry', attributes: { attempt: 2 } }],
      });
      // Times are epoch milliseconds close to now, the child inside its parent.
      expect(Math.abs((root?.startMs ?? 0) - Date.now())).toBeLessThan(60_000);
      expect(child?.startMs).toBeGreaterThanOrEqual(root?.startMs ?? Infinity);
      expect(child?.events[0]?.timeMs).toBeGreaterThanOrEqual(child?.startMs ?? Infinity);
    });
  }

  it('refuses bodies that are not OTLP, naming the encoding', () => {
    expect(() => decodeTraces(Buffer.from('{not json'), 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(Buffer.from('[1,2]'), 'json')).toThrow(/JSON object/);
    expect(() => decodeTraces(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'protobuf')).toThrow(/protobuf/);
    expect(otlpEncoding('text/plain')).toBeUndefined();
  });
});
