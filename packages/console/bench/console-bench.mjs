// The console's own cost, measured (a benchmark, not a test): memory with a full store, ingest rate
// of OTLP/protobuf exports over HTTP, and search time over a full store.
// Run: node --expose-gc packages/console/bench/console-bench.mjs   (after npm run build)

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { startConsole } = require('../dist/index.js');
const {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} = require('@opentelemetry/sdk-trace-base');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { DEFAULT_FLAG_FILE } = require('@incident-lab/flags');
const api = require('@opentelemetry/api');

const SPANS = Number(process.env.SPANS ?? 50_000);
const BATCH = 512; // the SDK's default export batch
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const settle = () => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage();
};

/** Checkout-shaped traces: a server span, a pool wait, queries and a client call, with the shop's attributes. */
function makeBatches() {
  const exporter = new InMemorySpanExporter();
  const services = ['storefront', 'payments', 'provider-primary', 'invoicing'];
  const providers = services.map(
    (service) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      }),
  );
  let made = 0;
  let order = 0;
  while (made < SPANS) {
    order += 1;
    const tracer = providers[order % providers.length].getTracer('bench');
    const root = tracer.startSpan('POST /api/orders', {
      kind: api.SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/orders',
        'order.id': `order-${order}`,
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
      const child = tracer.startSpan(
        name,
        { attributes: { 'db.system.name': 'mysql', 'payment.reference': `pay-${order}` } },
        ctx,
      );
      child.end();
    }
    root.end();
    made += 8;
  }
  const spans = exporter.getFinishedSpans().slice(0, SPANS);
  const batches = [];
  for (let i = 0; i < spans.length; i += BATCH) {
    batches.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + BATCH))));
  }
  return { batches, orders: order };
}

const { batches, orders } = makeBatches();
const before = settle();
const running = await startConsole(
  {
    namespace: 'bench',
    services: [],
    flagFile: DEFAULT_FLAG_FILE,
    reportsDir: '/nonexistent',
    scrape: async () => [],
    labCommand: ['true'],
  },
  { port: 0 },
);
const empty = settle();
const started = performance.now();
// Two exports in flight at a time, as two services exporting at once.
let next = 0;
await Promise.all(
  [0, 1].map(async () => {
    while (next < batches.length) {
      const body = batches[next++];
      const answer = await fetch(`${running.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      if (!answer.ok) throw new Error(`export refused: ${answer.status}`);
      await answer.arrayBuffer();
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const full = settle();
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
const results = {
  spans: running.spans.size,
  traces: orders,
  ingest: { seconds: Math.round(seconds * 100) / 100, spansPerSecond: Math.round(SPANS / seconds) },
  memoryMb: {
    consoleEmpty: { rss: mb(empty.rss - before.rss), heap: mb(empty.heapUsed - before.heapUsed) },
    storeFull: { rss: mb(full.rss - empty.rss), heap: mb(full.heapUsed - empty.heapUsed) },
  },
  searchMedianMs: {
    newest50: time({}),
    byAttribute: time({ attribute: { key: 'order.id', value: 'order-3' } }),
    byOperationAndMinDuration: time({ operation: 'pool.acquire', minDurationMs: 1000 }),
    byService: time({ service: 'payments', limit: 50 }),
  },
};
console.log(JSON.stringify(results, null, 2));
await running.stop();
