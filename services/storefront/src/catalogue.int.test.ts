import { setTimeout as sleep } from 'node:timers/promises';
import { serverUrls } from '@incident-lab/config';
import type { RowDataPacket } from '@incident-lab/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PRICE_CENTS } from './catalogue/catalogue.routes';
import { PRICE_GRACE_S } from './catalogue/prices.repo';
import { redisClient } from './catalogue/redis-client';
import { STAFF_EMAIL } from './seed/seed-shop';
import { type StorefrontStack, startStorefrontStack } from './storefront-stack.test-support';

/**
 * Lab 3's cache lesson on the real Redis and MySQL: each stack has its own key (its namespace), and
 * the `cache-write-refused` fault is Redis itself refusing the price writer's writes (its ACL user
 * may not write).
 */
let stack: StorefrontStack;
let staff: string;
let customer: string;

interface Answer {
  products?: Array<{ id: number; priceCents: number }>;
  product?: { id: number; priceCents: number };
  type?: string;
  'invalid-params'?: Array<{ name: string; reason: string }>;
  found?: Array<{ orderId: string }>;
  honoured?: Array<{ orderId: string }>;
}

async function call(
  s: StorefrontStack,
  route: string,
  init: { method?: string; token?: string; json?: unknown; internal?: boolean } = {},
) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(init.internal ? s.internal : {}),
  };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(s.url + route, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    location: response.headers.get('location'),
    body: (await response.json()) as Answer,
  };
}

const priceOf = async (s: StorefrontStack, id: number) =>
  (await call(s, '/api/products')).body.products?.find((product) => product.id === id)?.priceCents;
const setPrice = (s: StorefrontStack, id: number, priceCents: unknown, token = staff) =>
  call(s, `/api/staff/products/${id}/price`, { method: 'PUT', token, json: { priceCents } });
/** Buys a product (payments is down: the order fails, and its total says the price it was charged at). */
async function buy(s: StorefrontStack, productId: number, quantity = 1, token = customer) {
  const answer = await call(s, '/api/orders', {
    method: 'POST',
    token,
    json: { items: [{ productId, quantity }] },
  });
  const orderId = answer.location?.split('/').at(-1) as string;
  const [order] = (
    await s.pool.query<RowDataPacket[]>('SELECT total_cents FROM orders WHERE id = ?', [orderId])
  )[0];
  return { orderId, totalCents: order?.total_cents as number | undefined };
}
const metric = async (s: StorefrontStack, pattern: RegExp) => {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
};
const rows = async (sql: string, params: unknown[] = []) =>
  (await stack.pool.query<RowDataPacket[]>(sql, params))[0];

beforeAll(async () => {
  // Payments is down: orders fail; the price audit's test marks its order paid itself.
  stack = await startStorefrontStack('cachetest', { cacheTtlS: 30 });
  staff = await stack.login(STAFF_EMAIL);
  customer = await stack.login('user1@shop.test');
});

afterAll(() => stack?.stop());

beforeEach(async () => {
  stack.flags.set({ 'cache-write-refused': 'off', 'cache-write-checks': 'off' });
  await stack.cache.forLesson('fill', false).remove();
});

describe('the catalogue cache on a real Redis', () => {
  it('broken: a refused write is swallowed, the old price stays cached, and checkout charges it', async () => {
    const before = await priceOf(stack, 1); // fills the cache
    stack.flags.set({ 'cache-write-refused': 'on' });
    const changed = await setPrice(stack, 1, (before as number) + 1_000);
    expect(changed.status).toBe(200);
    expect(await priceOf(stack, 1)).toBe(before);
    const order = await buy(stack, 1);
    expect(order.totalCents).toBe(before);
    // The code swallowed it; the client's own measurement did not (inside a script, Redis says ERR).
    const refused = /^db_client_operation_duration_count\{.*db_operation_name="EVAL",error_type="ERR"/;
    expect(await metric(stack, refused)).toBeGreaterThan(0);
    expect(await metric(stack, /^shop_cache_write_failures_total/)).toBe(0);
  });

  it('broken: the price audit finds the order charged a price the catalogue no longer had, and the repair honours it', async () => {
    await priceOf(stack, 2);
    stack.flags.set({ 'cache-write-refused': 'on' });
    const before = (await priceOf(stack, 2)) as number;
    await setPrice(stack, 2, before + 500);
    // An order placed within the grace of a change may carry the price read just before it: buy after.
    await sleep(PRICE_GRACE_S * 1_000 + 100);
    const order = await buy(stack, 2);
    await stack.pool.query("UPDATE orders SET status = 'PAID' WHERE id = ?", [order.orderId]);
    const audit = await call(stack, '/internal/jobs/price-audit', { method: 'POST', internal: true });
    expect(audit.body.found?.map((found) => found.orderId)).toEqual([order.orderId]);
    // Found once, counted once: the next run (every 5 s in a shop) finds nothing new.
    const counted = await metric(stack, /^shop_orders_mispriced_total\{direction="under"/);
    expect(
      (await call(stack, '/internal/jobs/price-audit', { method: 'POST', internal: true })).body.found,
    ).toEqual([]);
    expect(await metric(stack, /^shop_orders_mispriced_total\{direction="under"/)).toBe(counted);
    expect(await metric(stack, /^shop_orders_mispriced_total\{direction="under"/)).toBeGreaterThan(0);
    const dryRun = await call(stack, '/internal/repairs/stale-prices?dryRun=true', {
      method: 'POST',
      internal: true,
    });
    expect(dryRun.body.honoured?.map((found) => found.orderId)).toContain(order.orderId);
    const repaired = await call(stack, '/internal/repairs/stale-prices', { method: 'POST', internal: true });
    expect(repaired.body.honoured?.map((found) => found.orderId)).toContain(order.orderId);
    const again = await call(stack, '/internal/repairs/stale-prices?dryRun=true', {
      method: 'POST',
      internal: true,
    });
    expect(again.body.honoured).toEqual([]);
    expect(await rows('SELECT decision FROM mispriced_orders WHERE order_id = ?', [order.orderId])).toEqual([
      { decision: 'honoured' },
    ]);
  });

  it('fixed: the refused write is retried, counted, and no customer sees or pays the old price', async () => {
    stack.flags.set({ 'cache-write-checks': 'on' });
    const before = (await priceOf(stack, 3)) as number;
    stack.flags.set({ 'cache-write-refused': 'on', 'cache-write-checks': 'on' });
    const failures = await metric(stack, /^shop_cache_write_failures_total\{operation="set"/);
    const changed = await setPrice(stack, 3, before + 700);
    expect(changed.status).toBe(200);
    expect(await metric(stack, /^shop_cache_write_failures_total\{operation="set"/)).toBe(failures + 1);
    // The delete went as the same refused user: this process reads MySQL until a later write deletes it.
    expect(await metric(stack, /^shop_cache_write_failures_total\{operation="delete"/)).toBeGreaterThan(0);
    expect(await priceOf(stack, 3)).toBe(before + 700);
    expect((await buy(stack, 3)).totalCents).toBe(before + 700);
    expect(await metric(stack, /^shop_cache_reads_total\{result="bypass"/)).toBeGreaterThan(0);
    // Once a later write can delete what it could not correct, reads use the cache again.
    stack.flags.set({ 'cache-write-refused': 'off', 'cache-write-checks': 'on' });
    expect((await setPrice(stack, 3, before + 800)).status).toBe(200);
    const bypassed = await metric(stack, /^shop_cache_reads_total\{result="bypass"/);
    expect(await priceOf(stack, 3)).toBe(before + 800);
    expect(await priceOf(stack, 3)).toBe(before + 800);
    expect(await metric(stack, /^shop_cache_reads_total\{result="bypass"/)).toBe(bypassed);
  });

  it("the fixed shop's distrust does not carry into the broken one: with the fix off again, refused writes leave the old price cached", async () => {
    // A fixed phase that could neither correct nor delete the cache leaves this process distrusting it.
    stack.flags.set({ 'cache-write-checks': 'on' });
    const before = (await priceOf(stack, 4)) as number;
    stack.flags.set({ 'cache-write-refused': 'on', 'cache-write-checks': 'on' });
    await setPrice(stack, 4, before + 300);
    expect(await priceOf(stack, 4)).toBe(before + 300);
    // The next run's broken phase on the same process: the refused write is swallowed, the old price served.
    stack.flags.set({ 'cache-write-refused': 'off', 'cache-write-checks': 'off' });
    await stack.cache.forLesson('fill', false).remove();
    const cached = (await priceOf(stack, 4)) as number; // fills the cache
    stack.flags.set({ 'cache-write-refused': 'on', 'cache-write-checks': 'off' });
    await setPrice(stack, 4, cached + 300);
    expect(await priceOf(stack, 4)).toBe(cached);
    expect((await buy(stack, 4)).totalCents).toBe(cached);
  });

  it('fixed: an older version never overwrites a newer one, a change never makes a catalogue of one, and entries expire', async () => {
    const product = { id: 4, sku: 'X', name: 'X', priceCents: 1, version: 1_000 };
    const change = stack.cache.forLesson('price-change', false);
    await change.write([product], { ttlS: 30, ifNewer: true });
    expect(await stack.cache.readAll()).toBeUndefined();
    await stack.cache.forLesson('fill', false).write([product], { ttlS: 30, ifNewer: true });
    await change.write([{ ...product, priceCents: 2, version: 999 }], { ttlS: 30, ifNewer: true });
    expect((await stack.cache.readSome([4])).get(4)?.priceCents).toBe(1);
    await change.write([{ ...product, priceCents: 3, version: 1_001 }], { ttlS: 30, ifNewer: true });
    expect((await stack.cache.readSome([4])).get(4)?.priceCents).toBe(3);
    const redis = redisClient(serverUrls().redisUrl);
    await redis.connect();
    try {
      expect(await redis.ttl(stack.cache.key)).toBeGreaterThan(0);
    } finally {
      redis.destroy();
    }
  });

  it('refuses bad price changes with a problem and stores nothing', async () => {
    const history = await rows('SELECT COUNT(*) AS n FROM price_history');
    for (const [priceCents, field] of [
      [0, 'priceCents'],
      [-5, 'priceCents'],
      [MAX_PRICE_CENTS + 1, 'priceCents'],
      [2 ** 31, 'priceCents'],
      [1.5, 'priceCents'],
      ['100', 'priceCents'],
      [null, 'priceCents'],
    ] as const) {
      const answer = await setPrice(stack, 5, priceCents);
      expect(answer.status, `priceCents ${priceCents}`).toBe(400);
      expect(answer.type).toMatch(/application\/problem\+json/);
      expect(answer.body['invalid-params']?.map((param) => param.name)).toEqual([field]);
    }
    expect((await setPrice(stack, 999_999, 100)).body.type).toBe('/problems/product-not-found');
    expect((await setPrice(stack, 5, 100, customer)).status).toBe(403);
    expect(
      (await call(stack, '/api/staff/products/5/price', { method: 'PUT', json: { priceCents: 100 } })).status,
    ).toBe(401);
    expect(
      (
        await call(stack, '/api/staff/products/abc/price', {
          method: 'PUT',
          token: staff,
          json: { priceCents: 100 },
        })
      ).status,
    ).toBe(400);
    expect(await rows('SELECT COUNT(*) AS n FROM price_history')).toEqual(history);
  });
});

describe('the catalogue with Redis down', () => {
  let down: StorefrontStack;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens, every Redis call fails at once.
    down = await startStorefrontStack('cachedown', { redisUrl: 'redis://127.0.0.1:1' });
  });
  afterAll(() => down?.stop());

  it('sells at the database price, fixed or not, and counts what failed', async () => {
    const downStaff = await down.login(STAFF_EMAIL);
    const token = await down.login('user2@shop.test');
    const seeded = (await priceOf(down, 6)) as number;
    expect(await metric(down, /^shop_cache_reads_total\{result="error"/)).toBeGreaterThan(0);
    expect((await buy(down, 6, 1, token)).totalCents).toBe(seeded);
    down.flags.set({ 'cache-write-checks': 'on' });
    const failed = await metric(down, /^shop_cache_write_failures_total\{operation="set"/);
    expect((await setPrice(down, 6, 4_321, downStaff)).status).toBe(200);
    expect(await metric(down, /^shop_cache_write_failures_total\{operation="set"/)).toBe(failed + 1);
    expect(await priceOf(down, 6)).toBe(4_321);
    expect((await buy(down, 6, 2, token)).totalCents).toBe(8_642);
    down.flags.set({ 'cache-write-checks': 'off' });
    expect((await buy(down, 6, 1, token)).totalCents).toBe(4_321);
  });
});
