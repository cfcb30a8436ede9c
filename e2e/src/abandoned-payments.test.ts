import { SEED_PASSWORD } from '@incident-lab/storefront/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessShop, startInProcessShop } from './support/in-process-shop';

/**
 * Lab 3's orders without payments, on the whole shop in this process (real MySQL, RabbitMQ and
 * payments): the `checkout-handoff-lost` fault loses the hand-off of every third customer's orders; the
 * `abandoned-payments` job, run as `lab run` runs it after the load, fails them with a reason once
 * the fix is on, and leaves alone an order payments knows.
 */
let shop: InProcessShop;
let storefront: string;
let payments: string;
let internal: Record<string, string>;

const urlOf = (name: string) => shop.services.find((service) => service.name === name)?.url as string;

async function login(email: string): Promise<string> {
  const response = await fetch(`${storefront}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: SEED_PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function checkout(token: string) {
  const response = await fetch(`${storefront}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [{ productId: 1, quantity: 1 }] }),
  });
  return { status: response.status, body: (await response.json()) as { orderId: string; status: string } };
}

async function order(token: string, id: string) {
  const response = await fetch(`${storefront}/api/orders/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as { status: string; failureReason?: string };
}

async function paymentsOf(orderId: string): Promise<unknown[]> {
  const response = await fetch(`${payments}/payments?orderId=${orderId}`, { headers: internal });
  return ((await response.json()) as { payments: unknown[] }).payments;
}

/** The job's next run brought forward; `afterS=0`: the shop is quiet, every order without a payment is overdue. */
async function runJob(afterS = '0') {
  const response = await fetch(`${storefront}/internal/jobs/abandoned-payments?afterS=${afterS}`, {
    method: 'POST',
    headers: internal,
  });
  return {
    status: response.status,
    body: (await response.json()) as { abandoned?: string[]; type?: string },
  };
}

beforeAll(async () => {
  shop = await startInProcessShop('abandon');
  storefront = urlOf('storefront');
  payments = urlOf('payments');
  internal = { authorization: `Bearer ${shop.internalToken}` };
}, 120_000);

afterAll(() => shop?.stop());

describe('orders whose payment never starts (lab 3, checkout-handoff-lost and abandoned-payments)', () => {
  it('broken: the lost order is answered 202 PENDING, payments never hears of it, and nobody fails or counts it', async () => {
    shop.setFlags({ 'checkout-handoff-lost': 'on', 'abandoned-payments': 'off' });
    const lost = await checkout(await login('user3@shop.test'));
    const paid = await checkout(await login('user1@shop.test'));
    expect([lost.status, lost.body.status]).toEqual([202, 'PENDING']);
    expect([paid.status, paid.body.status]).toEqual([201, 'PAID']);
    expect(await paymentsOf(lost.body.orderId)).toEqual([]);
    expect((await runJob()).body.abandoned).toEqual([]);
    expect((await order(await login('user3@shop.test'), lost.body.orderId)).status).toBe('PENDING');
  });

  it('fixed: the job fails each order without a payment, says why to the customer, and does it once', async () => {
    shop.setFlags({ 'checkout-handoff-lost': 'on', 'abandoned-payments': 'on' });
    const token = await login('user6@shop.test');
    const lost = await checkout(token);
    expect(lost.body.status).toBe('PENDING');
    const { body } = await runJob();
    // The broken test's order too: the fix repairs what waited before it.
    expect(body.abandoned).toEqual(expect.arrayContaining([lost.body.orderId]));
    expect(await order(token, lost.body.orderId)).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringContaining('nothing was charged'),
    });
    expect((await runJob()).body.abandoned).toEqual([]);
  });

  it('leaves alone an order payments knows, and an order younger than the deadline', async () => {
    shop.setFlags({ 'checkout-handoff-lost': 'on', 'abandoned-payments': 'on' });
    const young = await checkout(await login('user3@shop.test'));
    expect((await runJob('3600')).body.abandoned).toEqual([]);
    // Payments charges it after all (a late hand-off): its payment exists, so it is not abandoned.
    const charged = await fetch(`${payments}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': young.body.orderId, ...internal },
      body: JSON.stringify({ orderId: young.body.orderId, amountCents: 100, customer: 'user-3' }),
    });
    expect(charged.status).toBe(201);
    expect((await runJob()).body.abandoned).toEqual([]);
    expect((await order(await login('user3@shop.test'), young.body.orderId)).status).toBe('PENDING');
  });

  it('refuses a deadline that is not a whole number of seconds from 0 to a day, with a problem', async () => {
    for (const afterS of ['-1', 'soon', '86401']) {
      const { status, body } = await runJob(afterS);
      expect(status).toBe(400);
      expect(body.type).toBe('/problems/validation-failed');
    }
  });
});
