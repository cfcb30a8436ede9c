import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ShopDb } from './db/shop-db';
import { SEED_PASSWORD, STAFF_EMAIL } from './seed/seed-shop';
import { type StorefrontStack, startStorefrontStack } from './storefront-stack.test-support';

let stack: StorefrontStack;
let db: ShopDb;
let flags: StorefrontStack['flags'];
let server: { url: string };
/** The sales report is staff's: every report request carries the staff member's session. */
let staff: Record<string, string>;

beforeAll(async () => {
  // Two shared connections, one for reports, and a 1 ms report cap: any honest scan of 20 000
  // orders runs past it.
  stack = await startStorefrontStack('casctest', {
    sharedSize: 2,
    reportsSize: 1,
    reportTimeoutMs: 1,
    historyOrders: 20_000,
  });
  ({ db, flags } = stack);
  server = { url: stack.url };
  staff = { authorization: `Bearer ${await stack.login(STAFF_EMAIL)}` };
}, 120_000);

afterAll(() => stack?.stop());

beforeEach(() =>
  flags.set({ 'db-query-timeout': 'off', 'db-pool-shedding': 'off', 'reports-bulkhead': 'off' }),
);

/** Holds every connection of a pool until the returned function is called: a saturated pool. */
function saturate(pool: ShopDb['shared']): () => Promise<void> {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holders = Array.from({ length: pool.size }, () => pool.withConnection({}, () => held));
  return async () => {
    release();
    await Promise.all(holders);
  };
}

async function timed(route: string, init?: RequestInit & { timeoutMs?: number }) {
  const started = performance.now();
  try {
    const response = await fetch(server.url + route, {
      ...init,
      signal: AbortSignal.timeout(init?.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer();
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      ms: performance.now() - started,
      type: response.headers.get('content-type'),
    };
  } catch {
    return { status: 0, retryAfter: null, ms: performance.now() - started, type: null };
  }
}

const report = () => timed('/api/reports/sales', { headers: staff });

const login = (timeoutMs?: number) =>
  timed('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'user1@shop.test', password: SEED_PASSWORD }),
    timeoutMs,
  });

describe('the cascading lab, mechanism by mechanism, on a real MySQL', () => {
  it('db-query-timeout: the server stops the report at its cap, answered as 503 with Retry-After', async () => {
    expect((await report()).status).toBe(200);
    flags.set({ 'db-query-timeout': 'on' });
    const capped = await report();
    expect(capped.status).toBe(503);
    expect(capped.retryAfter).toBe('5');
    expect(capped.type).toContain('application/problem+json');
  });

  it('db-pool-shedding: with the pool full, login waits without it, and is refused fast with 503 + Retry-After with it', async () => {
    const release = saturate(db.shared);
    await sleep(50);
    const parked = await login(1_500);
    expect(parked.status, 'without shedding the request waits in the pool queue').toBe(0);

    flags.set({ 'db-pool-shedding': 'on' });
    const shed = await login();
    await release();
    expect(shed.status).toBe(503);
    expect(shed.retryAfter).toBe('1');
    expect(shed.ms).toBeLessThan(1_500);
    expect((await login()).status).toBe(200);
  });

  it('one unit of work, one flag state: a request that began without shedding is not shed halfway', async () => {
    const seen = await flags.flags.run(async () => {
      await db.query('SELECT 1'); // this unit's first query, shedding off
      flags.set({ 'db-pool-shedding': 'on' });
      const release = saturate(db.shared);
      // Newer units, shedding on: ten fill the line it allows.
      const others = Array.from({ length: 10 }, () => flags.flags.run(() => db.query('SELECT 1')));
      await sleep(50);
      const outcome = (query: Promise<unknown>) =>
        query.then(
          () => 'ran',
          (error: Error) => error.message,
        );
      const second = outcome(db.query('SELECT 1')); // this unit again: it waits, as it began
      const newcomer = outcome(flags.flags.run(() => db.query('SELECT 1'))); // a new unit: shed at once
      await sleep(50);
      await release();
      await Promise.all(others);
      return { second: await second, newcomer: await newcomer };
    });
    expect(seen.second).toBe('ran');
    expect(seen.newcomer).toMatch(/No database connection was free in the shared pool \(queue-full\)/);
  });

  it('reports-bulkhead: saturated reports cannot starve login; extra reports are refused at the bulkhead', async () => {
    flags.set({ 'reports-bulkhead': 'on' });
    const release = saturate(db.reports);
    await sleep(50);
    const [ok, refused] = await Promise.all([login(), report()]);
    await release();
    expect(ok.status).toBe(200);
    expect(refused.status).toBe(503);
    expect(refused.ms).toBeLessThan(1_500);
  });
});
