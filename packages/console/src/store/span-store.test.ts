import { describe, expect, it } from 'vitest';
import type { StoredSpan } from '../otlp/telemetry-types';
import { SpanStore } from './span-store';

let counter = 0;
function span(traceId: string, fields: Partial<StoredSpan> = {}): StoredSpan {
  counter += 1;
  return {
    traceId,
    spanId: counter.toString(16).padStart(16, '0'),
    name: 'GET /api/products',
    kind: 'server',
    service: 'storefront',
    startMs: 1_000 + counter,
    durationMs: 5,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
    ...fields,
  };
}

describe('SpanStore', () => {
  it('keeps the last `capacity` spans: the oldest are evicted, and a trace emptied by eviction is gone', () => {
    const store = new SpanStore(3);
    store.add([span('aaaa0000aaaa0000'), span('bbbb0000bbbb0000'), span('bbbb0000bbbb0000')]);
    store.add([span('cccc0000cccc0000'), span('cccc0000cccc0000')]);
    expect(store.size).toBe(3);
    expect(store.evicted).toBe(2);
    expect(store.trace('aaaa0000aaaa0000')).toEqual([]);
    expect(store.trace('bbbb0000bbbb0000')).toHaveLength(1);
    expect(store.trace('cccc0000cccc0000')).toHaveLength(2);
    expect(store.search().map((trace) => trace.traceId)).toEqual(['cccc0000cccc0000', 'bbbb0000bbbb0000']);
  });

  it('finds traces by service, operation, minimum duration, error, trace id (or its start) and attribute', () => {
    const store = new SpanStore();
    const login = 'a1'.repeat(16);
    const checkout = 'b2'.repeat(16);
    const slow = 'c3'.repeat(16);
    const root = span(checkout, { name: 'POST /api/orders', attributes: { 'shop.order.id': 'o-7' } });
    store.add([
      span(login, { name: 'POST /api/login', durationMs: 20 }),
      root,
      span(checkout, {
        parentSpanId: root.spanId,
        service: 'payments',
        name: 'POST /payments',
        status: 'error',
        attributes: { 'shop.idempotency.key': 'k-1' },
      }),
      span(slow, { name: 'GET /api/reports/sales', durationMs: 9_000 }),
      span(slow, {
        name: 'db.pool.acquire',
        durationMs: 8_500,
        attributes: { 'shop.payment.reference': 'pay-3' },
      }),
    ]);
    const ids = (query: Parameters<SpanStore['search']>[0]) => store.search(query).map((t) => t.traceId);
    expect(ids({ service: 'payments' })).toEqual([checkout]);
    expect(ids({ operation: 'pool.acquire' })).toEqual([slow]);
    expect(ids({ minDurationMs: 1_000 })).toEqual([slow]);
    expect(ids({ error: true })).toEqual([checkout]);
    expect(ids({ error: false })).toEqual([slow, login]);
    expect(ids({ traceId: login.slice(0, 8) })).toEqual([login]);
    expect(ids({ attribute: { key: 'shop.order.id', value: 'o-7' } })).toEqual([checkout]);
    expect(ids({ attribute: { key: 'shop.idempotency.key', value: 'k-1' } })).toEqual([checkout]);
    expect(ids({ attribute: { key: 'shop.payment.reference', value: 'pay-3' } })).toEqual([slow]);
    expect(ids({ attribute: { key: 'shop.order.id', value: 'o-8' } })).toEqual([]);
    expect(ids({ limit: 1 })).toEqual([slow]);

    const summary = store.search({ traceId: checkout })[0];
    expect(summary).toMatchObject({ name: 'POST /api/orders', spanCount: 2, error: true });
    expect(summary?.services).toEqual(['storefront', 'payments']);
    expect(store.trace(checkout.slice(0, 12)).map((s) => s.name)).toEqual([
      'POST /api/orders',
      'POST /payments',
    ]);
  });

  it('leaves background work out unless asked for, and lists the newest first whatever came first', () => {
    const store = new SpanStore();
    const poll = 'd4'.repeat(16);
    const early = 'e5'.repeat(16);
    const late = 'f6'.repeat(16);
    store.add([
      // A relay's poll: a query with no request above it.
      span(poll, { name: 'db.pool.acquire', kind: 'internal', startMs: 5_000 }),
      // The later checkout's child arrives before the earlier login (export batches cross).
      span(late, { name: 'SELECT', kind: 'client', startMs: 9_010, parentSpanId: 'ab'.repeat(8) }),
      span(early, {
        name: 'POST /api/login',
        startMs: 8_000,
        attributes: { 'http.response.status_code': 401 },
      }),
      span(late, {
        name: 'POST /api/orders',
        startMs: 9_000,
        attributes: { 'http.response.status_code': 402 },
      }),
    ]);
    const ids = (query: Parameters<SpanStore['search']>[0]) => store.search(query).map((t) => t.traceId);
    expect(ids({})).toEqual([late, early]);
    expect(ids({ background: true })).toEqual([late, early, poll]);
    expect(ids({ background: 'only' })).toEqual([poll]);
    expect(store.search({ traceId: late })[0]).toMatchObject({ status: 402, background: false });
  });
});
