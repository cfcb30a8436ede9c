import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from '@incident-lab/db';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PASSWORD, STAFF_EMAIL } from './seed/seed-shop';
import { type StorefrontStack, startStorefrontStack } from './storefront-stack.test-support';

/**
 * Storefront tried as an attacker would: forged sessions, the staff report, guessing passwords,
 * the reconciler's route, wrong methods. Each test names what a user (or an attacker) would see.
 */
let stack: StorefrontStack;

beforeAll(async () => {
  stack = await startStorefrontStack('sectest');
});

afterAll(() => stack?.stop());

const send = (route: string, init: RequestInit = {}) => fetch(stack.url + route, init);
const login = (email: string, password: string) =>
  send('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('sessions', () => {
  it('refuse a well-formed token signed with a secret the shop did not make (the old committed default included)', async () => {
    for (const secret of ['incident-lab-local-session-secret', randomUUID() + randomUUID()]) {
      const forged = await new SignJWT({ role: 'staff' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('1')
        .setIssuer('incident-lab/storefront')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      for (const route of ['/api/orders/00000000-0000-4000-8000-000000000000', '/api/reports/sales']) {
        const response = await send(route, { headers: bearer(forged) });
        expect(response.status, route).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }
  });
});

describe('the sales report', () => {
  it('is 401 without a login, 403 for a customer, 200 for staff', async () => {
    expect((await send('/api/reports/sales')).status).toBe(401);
    const customer = await stack.login('user2@shop.test');
    const refused = await send('/api/reports/sales', { headers: bearer(customer) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { type: string }).type).toBe('/problems/staff-only');
    const staff = await stack.login(STAFF_EMAIL);
    const report = await send('/api/reports/sales', { headers: bearer(staff) });
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ totals: { revenueCents: expect.any(Number) } });
  });
});

describe('login throttling', () => {
  it('answers the 11th wrong password in a minute with 429 and Retry-After, even when the 12th is right', async () => {
    const email = 'user11@shop.test';
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect((await login(email, `guess-${attempt}`)).status, `attempt ${attempt}`).toBe(401);
    }
    const throttled = await login(email, 'guess-11');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await throttled.json()) as { type: string }).type).toBe('/problems/too-many-login-failures');
    expect((await login(email, SEED_PASSWORD)).status).toBe(429);
    // Another account from the same address is not locked out by someone guessing this one.
    expect((await login('user12@shop.test', SEED_PASSWORD)).status).toBe(200);
  });
});

describe('the reconciler’s route', () => {
  it('refuses to settle an order for a caller without the internal token, and leaves the order alone', async () => {
    const [inserted] = await stack.pool.query<RowDataPacket[]>('SELECT id FROM users LIMIT 1');
    const orderId = randomUUID();
    await stack.pool.query(
      "INSERT INTO orders (id, user_id, status, total_cents) VALUES (?, ?, 'PENDING', 100)",
      [orderId, inserted[0]?.id],
    );
    const settle = (headers: Record<string, string>) =>
      send(`/internal/orders/${orderId}/settle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ status: 'FAILED', reason: 'forged' }),
      });
    const customer = await stack.login('user3@shop.test');
    for (const headers of [{}, bearer(customer)]) expect((await settle(headers)).status).toBe(401);
    const [[order]] = await stack.pool.query<RowDataPacket[][]>('SELECT status FROM orders WHERE id = ?', [
      orderId,
    ]);
    expect(order).toMatchObject({ status: 'PENDING' });
    expect((await settle(stack.internal)).status).toBe(200);
  });
});

describe('HTTP hygiene', () => {
  it('answers a wrong method on a real path with 405 and Allow', async () => {
    const response = await send('/api/login', { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('marks the login answer, which carries the token, no-store and nosniff', async () => {
    const response = await login('user4@shop.test', SEED_PASSWORD);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
