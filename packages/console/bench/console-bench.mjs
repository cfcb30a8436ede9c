// The console's own cost, measured (a benchmark, not a test): ingest rate of OTLP/protobuf exports
// over HTTP, the memory a console with a full store adds to a process, and search time over it.
// Run: node --expose-gc packages/console/bench/console-bench.mjs   (after npm run build)
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { startConsole } = require('../dist/index.js');
const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { SHIPPED_FLAG_FILE } = require('@incident-lab/flags');
const api = require('@opentelemetry/api');

const SPANS = Number(process.env.SPANS ?? 50_000);
const BATCH = 512; // the SDK's default export batch
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const settle = () => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage();
};
const host = {
  namespace: 'bench',
  services: [],
  flagFile: SHIPPED_FLAG_FILE,
  reportsDir: '/nonexistent',
  scrape: async () => [],
  labCommand: ['true'],
};

/** Checkout-shaped traces, batch by batch: a server span, a pool wait, queries, a call, a publish. */
function* batches() {
  const exporter = new InMemorySpanExporter();
  const services = ['storefront', 'payments', 'provider-primary', 'invoicing'];
  const providers = services.map(
    (service) =>
      new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      }),
  );
  let order = 0;
  for (let made = 0; made < SPANS; ) {
    order += 1;
    const tracer = providers[order % providers.length].getTracer('bench');
    const root = tracer.startSpan('POST /api/orders', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/orders',
        'shop.order.id': `order-${order}`,
      },
    });
    const ctx = api.trace.setSpan(api.context.active(), root);
    for (const name of [
      'db.pool.acquire',
      'SELECT',
      'INSERT',
      'COMMIT',
      'POST',
      'publish lab.events',
      'UPDATE',
    ]) {
      tracer
        .startSpan(
          name,
          { attributes: { 'db.system.name': 'mysql', 'shop.payment.reference': `pay-${order}` } },
          ctx,
        )
        .end();
    }
    root.end();
    made += 8;
    if (exporter.getFinishedSpans().length >= BATCH || made >= SPANS) {
      yield Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
      exporter.reset();
    }
  }
}

async function send(url, body) {
  const answer = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  if (!answer.ok) throw new Error(`export refused: ${answer.status}`);
  await answer.arrayBuffer();
}

// Memory first, in a process that holds nothing else: the console, empty, then full.
const before = settle();
const running = await startConsole(host, { port: 0 });
for (const body of batches()) await send(running.url, body);
const full = settle();

// Ingest: the same exports prepared beforehand, two in flight (two services exporting at once),
// into a second console; the first one is full and stays so for the search timings.
const prepared = [...batches()];
const second = await startConsole(host, { port: 0 });
const started = performance.now();
let next = 0;
await Promise.all(
  [0, 1].map(async () => {
    while (next < prepared.length) await send(second.url, prepared[next++]);
  }),
);
const seconds = (performance.now() - started) / 1000;
await second.stop();

const time = (query) => {
  const runs = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    running.spans.search(query);
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return Math.round(runs[10] * 10) / 10;
};
console.log(
  JSON.stringify(
    {
      spans: running.spans.size,
      ingest: { seconds: Math.round(seconds * 100) / 100, spansPerSecond: Math.round(SPANS / seconds) },
      consoleWithFullStoreMb: { rss: mb(full.rss - before.rss), heap: mb(full.heapUsed - before.heapUsed) },
      searchMedianMs: {
        newest50: time({}),
        byAttribute: time({ attribute: { key: 'shop.order.id', value: 'order-3' } }),
        byOperationAndMinDuration: time({ operation: 'pool.acquire', minDurationMs: 1000 }),
        byTraceIdStart: time({ traceId: 'ffff' }),
      },
    },
    null,
    2,
  ),
);
await running.stop();
