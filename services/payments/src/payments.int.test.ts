import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from '@incident-lab/db';
import { expireRows } from '@incident-lab/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findPayment } from './charges/payments.repo';
import { loadConfig } from './config';
import { type PaymentsStack, startPaymentsStack } from './payments-stack.test-support';
import { paymentsRetention } from './retention';
import { startChargeWorker } from './worker/charge-worker';

let stack: PaymentsStack;

beforeAll(async () => {
  stack = await startPaymentsStack('paytest');
});

afterAll(() => stack?.stop());

beforeEach(async () => {
  stack.providerFlags.set({ 'provider-outage': 'off' });
  stack.paymentsFlags.set({
    'payments-queue-when-provider-down': 'off',
    'provider-circuit-breaker': 'off',
    'retry-policy': 'none',
  });
  await stack.purge();
  outageBase = await outageCount();
});

async function pay() {
  const response = await fetch(`${stack.urls.payments}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...stack.internal },
    body: JSON.stringify({ orderId: crypto.randomUUID(), amountCents: 2500, customer: 'user-2' }),
  });
  return { response, body: (await response.json()) as Record<string, string> };
}

const depth = (queue: string) => stack.depth(queue);

describe('payments against a real provider, MySQL and RabbitMQ', () => {
  it('refuses a charge without the internal token (401) and makes no payment', async () => {
    const orderId = crypto.randomUUID();
    const response = await fetch(`${stack.urls.payments}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId, amountCents: 2500, customer: 'user-2' }),
    });
    expect(response.status).toBe(401);
    const [rows] = await stack.deps.pool.query('SELECT id FROM payments WHERE order_id = ?', [orderId]);
    expect(rows).toEqual([]);
    expect(await stack.ledger(orderId)).toEqual([]);
  });

  it('charges the provider once, records it COMPLETED and publishes payment.completed', async () => {
    const { response, body } = await pay();
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ status: 'COMPLETED', provider: 'primary' });
    const charges = await stack.ledger(body.orderId as string);
    expect(charges).toEqual([expect.objectContaining({ id: body.providerChargeId, status: 'CHARGED' })]);
    expect(await depth('invoicing.payment-completed')).toBe(1);
  });

  it('fails the payment with a 402 problem and publishes payment.failed when the provider is down', async () => {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    const { response, body } = await pay();
    expect(response.status).toBe(402);
    expect(body.detail).toContain('provider answered 503');
    expect(await depth('storefront.payment-events')).toBe(1);
    expect(await depth('invoicing.payment-completed')).toBe(0);
  });

  it('accepts the charge for later (202) when allowed, and its worker completes it once the provider is back', async () => {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    stack.paymentsFlags.set({ 'payments-queue-when-provider-down': 'on' });
    const { response, body } = await pay();
    expect(response.status).toBe(202);
    expect(body.status).toBe('QUEUED');
    expect(await depth('payments.charge-requests')).toBe(1);

    stack.providerFlags.set({ 'provider-outage': 'off' });
    await startChargeWorker(stack.deps);
    const deadline = Date.now() + 10_000;
    while (
      (await findPayment(stack.deps.pool, body.paymentId as string))?.status !== 'COMPLETED' &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await findPayment(stack.deps.pool, body.paymentId as string)).toMatchObject({
      status: 'COMPLETED',
    });
  });

  it('retries immediately by default: a 503 provider is called four times per charge', async () => {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    stack.paymentsFlags.set({ 'retry-policy': 'immediate' });
    const before = await outageCount();
    expect((await pay()).response.status).toBe(402);
    expect((await outageCount()) - before).toBe(4);
  });

  it('fails over to the backup while the primary is down, and the breaker opens after five failures', async () => {
    stack.providerFlags.set({ 'provider-outage': 'on', 'provider-fault-target': 'primary' });
    stack.paymentsFlags.set({ 'provider-circuit-breaker': 'on' });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await pay());
    expect(results.map((r) => r.response.status)).toEqual(Array(8).fill(201));
    expect(results.every((r) => r.body.provider === 'backup')).toBe(true);
    const metrics = await (await fetch(`${stack.urls.payments}/metrics`)).text();
    expect(metrics).toContain('shop_circuit_breaker_state{breaker="provider-primary",state="open"} 1');
    expect(metrics).toContain('shop_circuit_breaker_state{breaker="provider-primary",state="closed"} 0');
    // Once open, the primary is not even asked: only the first five calls reached it.
    expect(await outageCount()).toBeLessThanOrEqual(5 + outageBase);
  });
});

let outageBase = 0;
async function outageCount(): Promise<number> {
  const page = await (await fetch(`${stack.urls.primary}/metrics`)).text();
  const match = /provider_charge_requests_total\{provider="primary",outcome="outage"\} (\d+)/.exec(page);
  return Number(match?.[1] ?? 0);
}

describe('bookkeeping tables stay bounded', () => {
  it('deletes published outbox rows and processed-message ids past their retention, and nothing still needed', async () => {
    const { pool } = stack.deps;
    const config = loadConfig({ INTERNAL_TOKEN: randomBytes(24).toString('hex') });
    const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
    const row = (id: string, sentAt: Date | null, createdAt: Date) =>
      pool.query(
        "INSERT INTO outbox (id, destination, type, payload, created_at, sent_at) VALUES (?, 'events', 'payment.completed', '{}', ?, ?)",
        [id, createdAt, sentAt],
      );
    const ids = [0, 1, 2].map(() => crypto.randomUUID());
    await row(ids[0] as string, ago(config.OUTBOX_RETENTION_S + 60), ago(config.OUTBOX_RETENTION_S + 61));
    await row(ids[1] as string, ago(10), ago(11));
    // Never published, however old: the relay still owes it to the broker.
    await row(ids[2] as string, null, ago(config.OUTBOX_RETENTION_S * 2));
    for (const [messageId, age] of [
      ['msg-old', config.PROCESSED_MESSAGES_RETENTION_S + 60],
      ['msg-recent', 60],
    ] as const) {
      await pool.query('INSERT INTO processed_messages (message_id, queue, processed_at) VALUES (?, ?, ?)', [
        messageId,
        'charge-requests',
        ago(age),
      ]);
    }
    const sql = async (statement: string, params: unknown[]) => (await pool.query(statement, params))[0];
    const deleted = [];
    for (const rule of paymentsRetention(config)) deleted.push(await expireRows(sql, rule));
    expect(deleted).toEqual([1, 1]);
    const [outbox] = await pool.query<RowDataPacket[]>('SELECT id FROM outbox WHERE id IN (?) ORDER BY id', [
      ids,
    ]);
    expect(outbox.map((each) => each.id).sort()).toEqual([ids[1], ids[2]].sort());
    const [processed] = await pool.query<RowDataPacket[]>(
      "SELECT message_id FROM processed_messages WHERE message_id LIKE 'msg-%'",
    );
    expect(processed.map((each) => each.message_id)).toEqual(['msg-recent']);
  });
});
