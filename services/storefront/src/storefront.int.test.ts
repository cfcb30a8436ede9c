import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from '@incident-lab/db';
import { SHOP_PRODUCTS } from '@incident-lab/scenarios';
import { expireRows, type RetentionRule } from '@incident-lab/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { storefrontRetention } from './retention';
import { SEED_PASSWORD, STAFF_EMAIL } from './seed/seed-shop';
import { type StorefrontStack, startStorefrontStack } from './storefront-stack.test-support';

let stack: StorefrontStack;
let pool: StorefrontStack['pool'];
let flags: StorefrontStack['flags'];
let base: string;

beforeAll(async () => {
  // Payments is "down" for these tests: nothing listens where storefront calls it.
  stack = await startStorefrontStack('sftest', { historyOrders: 500 });
  ({ pool, flags } = stack);
  base = stack.url;
});

afterAll(() => stack?.stop());

/** The fields these tests read from storefront's answers. */
interface Answer {
  token?: string;
  type?: string;
  detail?: string;
  status?: string;
  products?: Array<{ id: number; priceCents: number }>;
  'invalid-params'?: Array<{ name: string; reason: string }>;
  totals?: { revenueCents: number };
  rows?: unknown[];
}

async function call(
  route: string,
  init: RequestInit & { token?: string; json?: unknown; key?: string } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.key) headers['idempotency-key'] = init.key;
  const response = await fetch(base + route, {
    ...init,
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { response, body: (await response.json()) as Answer };
}

async function login(email: string, password = SEED_PASSWORD) {
  return call('/api/login', { method: 'POST', json: { email, password } });
}

describe('storefront on a real MySQL', () => {
  it('logs a seeded user in, and refuses a wrong password with 401', async () => {
    const ok = await login('user3@shop.test');
    expect(ok.response.status).toBe(200);
    expect(ok.body.token).toEqual(expect.any(String));
    const wrong = await login('user3@shop.test', 'guess');
    expect(wrong.response.status).toBe(401);
    expect(wrong.body.type).toBe('/problems/bad-credentials');
    // An e-mail with no account gets the very same refusal.
    const unknown = await login('nobody@shop.test', 'guess');
    expect(unknown.response.status).toBe(401);
    expect(unknown.body.type).toBe(wrong.body.type);
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('lists the products: as many as the load picks from', async () => {
    const { body } = await call('/api/products');
    expect(body.products).toHaveLength(SHOP_PRODUCTS);
    expect(body.products?.[0]).toMatchObject({ id: expect.any(Number), priceCents: expect.any(Number) });
  });

  it('requires a login to order', async () => {
    const { response } = await call('/api/orders', {
      method: 'POST',
      json: { items: [{ productId: 1, quantity: 1 }] },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('names unknown products with 422 and creates no order', async () => {
    const { token } = (await login('user4@shop.test')).body;
    const [[before]] = await pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM orders WHERE origin = 'checkout'",
    );
    const { response, body } = await call('/api/orders', {
      method: 'POST',
      token,
      json: {
        items: [
          { productId: 1, quantity: 1 },
          { productId: 999, quantity: 1 },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(body['invalid-params']).toEqual([{ name: 'items.1.productId', reason: 'no such product' }]);
    const [[after]] = await pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM orders WHERE origin = 'checkout'",
    );
    expect(after?.n).toBe(before?.n);
  });

  it('keeps the order, FAILED with the reason, when payments cannot be reached', async () => {
    const { token } = (await login('user5@shop.test')).body;
    const { response, body } = await call('/api/orders', {
      method: 'POST',
      token,
      json: { items: [{ productId: 2, quantity: 1 }] },
    });
    expect(response.status).toBe(402);
    expect(body.detail).toMatch(/no answer from payments/);
    const orderUrl = response.headers.get('location') as string;
    const order = await call(orderUrl, { token });
    expect(order.body).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/no answer from payments/),
    });
    const someoneElse = (await login('user6@shop.test')).body.token;
    expect((await call(orderUrl, { token: someoneElse })).response.status).toBe(404);
  });

  it('reports revenue that adds up to every paid order in the database', async () => {
    const { body } = await call('/api/reports/sales', { token: await stack.login(STAFF_EMAIL) });
    const [[truth]] = await pool.query<RowDataPacket[]>(
      "SELECT SUM(i.quantity * i.price_cents) AS revenue FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'PAID'",
    );
    expect(body.totals?.revenueCents).toBe(Number(truth?.revenue));
    expect(body.rows?.length).toBeGreaterThan(10);
  });
});

describe('checkout with idempotency-keys on', () => {
  const order = (token: string, key?: string) =>
    call('/api/orders', { method: 'POST', token, key, json: { items: [{ productId: 3, quantity: 1 }] } });

  it('needs an Idempotency-Key: 400 problem, and no order', async () => {
    flags.set({ 'idempotency-keys': 'on' });
    try {
      const { token } = (await login('user7@shop.test')).body;
      const { response, body } = await order(token as string);
      expect(response.status).toBe(400);
      expect(body.type).toBe('/problems/idempotency-key-missing');
    } finally {
      flags.set({ 'idempotency-keys': 'off' });
    }
  });

  it('keeps the order PENDING (202) when payments never answers, and replays that answer to a retry', async () => {
    flags.set({ 'idempotency-keys': 'on' });
    try {
      const { token } = (await login('user8@shop.test')).body;
      const key = crypto.randomUUID();
      const first = await order(token as string, key);
      expect(first.response.status).toBe(202);
      expect(first.body).toMatchObject({ status: 'PENDING' });
      const retry = await order(token as string, key);
      expect(retry.response.status).toBe(202);
      expect(retry.response.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
      const [[count]] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM orders WHERE id = ?', [
        (first.body as { orderId: string }).orderId,
      ]);
      expect(count?.n).toBe(1);
      // Keys are per user: another user's identical key is a different purchase.
      const other = (await login('user9@shop.test')).body.token as string;
      const theirs = await order(other, key);
      expect(theirs.response.headers.get('idempotent-replayed')).toBeNull();
      expect(theirs.body).not.toEqual(first.body);
    } finally {
      flags.set({ 'idempotency-keys': 'off' });
    }
  });
});

describe('bookkeeping tables stay bounded', () => {
  it('deletes closed charge requests past their retention, and keeps the open ones however old', async () => {
    const config = loadConfig({
      INTERNAL_TOKEN: randomBytes(24).toString('hex'),
      SESSION_SECRET: randomBytes(24).toString('hex'),
    });
    const keepS = config.PAYMENT_REQUESTS_RETENTION_S;
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
    const rows: Array<[string, string, Date]> = [
      ['ANSWERED', 'closed-old', ago(keepS + 60)],
      ['EXPIRED', 'expired-old', ago(keepS + 60)],
      ['ANSWERED', 'closed-recent', ago(60)],
      // Still owed to payments: the relay needs it, whatever its age.
      ['OPEN', 'open-old', ago(keepS * 2)],
    ];
    const ids: Record<string, string> = {};
    for (const [state, name, at] of rows) {
      ids[name] = crypto.randomUUID();
      await pool.query(
        `INSERT INTO payment_requests (order_id, amount_cents, customer, state, next_attempt_at, deadline_at, created_at, updated_at)
         VALUES (?, 100, 'user1@shop.test', ?, ?, ?, ?, ?)`,
        [ids[name], state, at, at, at, at],
      );
    }
    const sql = async (statement: string, params: unknown[]) => (await pool.query(statement, params))[0];
    const [rule] = storefrontRetention(config);
    expect(await expireRows(sql, rule as RetentionRule)).toBe(2);
    const [left] = await pool.query<RowDataPacket[]>(
      'SELECT order_id FROM payment_requests WHERE order_id IN (?)',
      [Object.values(ids)],
    );
    expect(left.map((row) => row.order_id).sort()).toEqual([ids['closed-recent'], ids['open-old']].sort());
  });
});
