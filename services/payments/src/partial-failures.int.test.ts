import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_LEASE_S } from '@incident-lab/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findPayment, findPaymentsForOrder } from './charges/payments.repo';
import { unsentCount } from './outbox/outbox.repo';
import { OutboxRelay } from './outbox/outbox-relay';
import { type PaymentsStack, startPaymentsStack } from './payments-stack.test-support';
import { startChargeWorker } from './worker/charge-worker';

/**
 * The partial-failure lab's mechanisms in payments, each broken and fixed, against the real MySQL,
 * RabbitMQ and provider ledgers: Idempotency-Key semantics, the lost answer, redelivery after a
 * worker crash, and the dual write the outbox closes.
 */
let stack: PaymentsStack;
let relay: OutboxRelay;

beforeAll(async () => {
  stack = await startPaymentsStack('partialtest');
  // The worker dies on every first delivery when `payments-crash` says so (the lab uses one in four).
  await startChargeWorker(stack.deps, { crashEvery: 1 });
  relay = new OutboxRelay(stack.deps.pool, stack.deps.broker, stack.deps.flags, stack.deps.logger);
  relay.start();
});

afterAll(async () => {
  await relay?.stop();
  await stack?.stop();
});

const FIXED = { 'idempotency-keys': 'on', 'idempotent-consumer': 'on', outbox: 'on' } as const;
const BROKEN = { 'idempotency-keys': 'off', 'idempotent-consumer': 'off', outbox: 'off' } as const;

beforeEach(async () => {
  stack.providerFlags.set({
    'provider-outage': 'off',
    'provider-latency-ms': 'none',
    'provider-drop-response': 'none',
    'provider-error-rate': 'none',
    'provider-fault-target': 'primary',
  });
  stack.paymentsFlags.set({
    ...BROKEN,
    'payments-queue-when-provider-down': 'off',
    'payments-crash': 'off',
    'retry-policy': 'none',
    'http-timeouts': 'on',
    'provider-circuit-breaker': 'off',
  });
  await stack.purge();
});

function pay(options: { key?: string; orderId?: string; amountCents?: number } = {}) {
  const body = {
    orderId: options.orderId ?? crypto.randomUUID(),
    amountCents: options.amountCents ?? 2500,
    customer: 'user-7',
  };
  return fetch(`${stack.urls.payments}/payments`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...stack.internal,
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    body: JSON.stringify(body),
  }).then(async (response) => ({
    response,
    body: (await response.json()) as Record<string, unknown>,
    sent: body,
  }));
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

const charged = async (orderId: string) =>
  (await stack.ledger(orderId)).filter((charge) => charge.status === 'CHARGED');

describe('Idempotency-Key on POST /payments (IETF draft semantics, idempotency-keys on)', () => {
  beforeEach(() => stack.paymentsFlags.set({ 'idempotency-keys': 'on' }));

  it('requires the header: 400 problem naming it, and nothing charged', async () => {
    const { response, body, sent } = await pay();
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(body.type).toBe('/problems/idempotency-key-missing');
    expect(await charged(sent.orderId)).toEqual([]);
  });

  it('replays the stored answer to a retry after completion, marked as a replay, and charges once', async () => {
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    const first = await pay({ key, orderId });
    const again = await pay({ key, orderId });
    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(201);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toEqual(first.body);
    expect(await charged(orderId)).toHaveLength(1);
    expect(await findPaymentsForOrder(stack.deps.pool, orderId)).toHaveLength(1);
  });

  it('answers 409 with Retry-After to a retry while the first request is still running', async () => {
    stack.providerFlags.set({ 'provider-latency-ms': 'slow' });
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    const first = pay({ key, orderId });
    await sleep(200);
    const during = await pay({ key, orderId });
    expect(during.response.status).toBe(409);
    expect(during.body.type).toBe('/problems/idempotency-key-in-flight');
    // Retry-After says when the holder's lease ends: the soonest a retry can take the key over.
    expect(Number(during.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(during.response.headers.get('retry-after'))).toBeLessThanOrEqual(KEY_LEASE_S);
    expect((await first).response.status).toBe(201);
    expect(await charged(orderId)).toHaveLength(1);
  });

  it('answers 422 when the key comes back with a different body', async () => {
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    await pay({ key, orderId });
    const other = await pay({ key, orderId, amountCents: 9900 });
    expect(other.response.status).toBe(422);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
    expect(await charged(orderId)).toHaveLength(1);
  });

  it('charges exactly once when two requests with one key arrive together', async () => {
    stack.providerFlags.set({ 'provider-latency-ms': 'slow' });
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    const answers = await Promise.all([pay({ key, orderId }), pay({ key, orderId })]);
    expect(answers.map(({ response }) => response.status).sort()).toEqual([201, 409]);
    expect(await charged(orderId)).toHaveLength(1);
  });

  it('replays a refusal too: a 402 stays a 402 and nothing is charged on retry', async () => {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    expect((await pay({ key, orderId })).response.status).toBe(402);
    stack.providerFlags.set({ 'provider-outage': 'off' });
    const again = await pay({ key, orderId });
    expect(again.response.status).toBe(402);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(await charged(orderId)).toEqual([]);
  });

  it('is ignored with the flag off: the same retry charges the card a second time', async () => {
    stack.paymentsFlags.set({ 'idempotency-keys': 'off' });
    const key = crypto.randomUUID();
    const orderId = crypto.randomUUID();
    await pay({ key, orderId });
    await pay({ key, orderId });
    expect(await charged(orderId)).toHaveLength(2);
  });
});

describe('a failure after the provider charged (a lost database connection, a crash)', () => {
  it('broken: the key is ignored, so the retry is a new payment and a second charge', async () => {
    stack.paymentsFlags.set(BROKEN);
    const key = crypto.randomUUID();
    const { failed, sent } = await payWhileRecordingFails(key);
    expect(failed.status).toBe(500);
    const retry = await pay({ key, orderId: sent.orderId });
    expect(retry.response.status).toBe(201);
    expect(await charged(sent.orderId)).toHaveLength(2);
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
  });

  it('fixed: the retry resumes the payment it recorded and charges under the same reference: one payment, one charge', async () => {
    stack.paymentsFlags.set(FIXED);
    const key = crypto.randomUUID();
    const { failed, sent } = await payWhileRecordingFails(key);
    expect(failed.status).toBe(500);
    expect(await charged(sent.orderId)).toHaveLength(1);

    const retry = await pay({ key, orderId: sent.orderId });
    expect(retry.response.status).toBe(201);
    expect(retry.response.headers.get('idempotent-replayed')).toBeNull();
    const payments = await findPaymentsForOrder(stack.deps.pool, sent.orderId);
    expect(payments).toEqual([expect.objectContaining({ id: retry.body.id, status: 'COMPLETED' })]);
    expect(await charged(sent.orderId)).toEqual([
      expect.objectContaining({ id: retry.body.providerChargeId, reference: retry.body.id }),
    ]);
    // One payment.completed, from the outbox row committed with the resumed payment.
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
  });
});

/**
 * Sends a charge and, while the provider takes its time over it, takes the outbox table away: the
 * provider charges the card, then payments cannot record it and answers 500, as after a lost
 * connection. The table is back when this returns.
 */
async function payWhileRecordingFails(key: string) {
  stack.paymentsFlags.set({ outbox: 'on' });
  stack.providerFlags.set({ 'provider-latency-ms': 'slow' });
  const orderId = crypto.randomUUID();
  const answer = pay({ key, orderId });
  await until(async () => (await findPaymentsForOrder(stack.deps.pool, orderId)).length > 0, 5_000);
  await stack.deps.pool.query('RENAME TABLE outbox TO outbox_gone');
  try {
    const { response, sent } = await answer;
    return { failed: response, sent };
  } finally {
    await stack.deps.pool.query('RENAME TABLE outbox_gone TO outbox');
    stack.providerFlags.set({ 'provider-latency-ms': 'none' });
  }
}

describe('the lost answer: the provider charges, then drops the connection', () => {
  beforeEach(() => {
    stack.providerFlags.set({ 'provider-drop-response': 'all' });
    stack.paymentsFlags.set({ 'retry-policy': 'immediate' });
  });

  it('broken: every retry is a new charge, and the payment is recorded FAILED', async () => {
    const { response, sent } = await pay();
    expect(response.status).toBe(402);
    expect((await charged(sent.orderId)).length).toBeGreaterThan(1);
    const [payment] = await findPaymentsForOrder(stack.deps.pool, sent.orderId);
    expect(payment?.status).toBe('FAILED');
  });

  it('fixed: retries reuse the reference, the payment stays PENDING, and resolving it finds the one charge', async () => {
    stack.paymentsFlags.set(FIXED);
    const { response, body, sent } = await pay({ key: crypto.randomUUID() });
    expect(response.status).toBe(202);
    expect(body.status).toBe('PENDING');
    expect(await charged(sent.orderId)).toHaveLength(1);

    // What the reconciler does: ask the provider by the payment's reference and record the truth.
    const resolved = await fetch(`${stack.urls.payments}/payments/${body.id}/resolve`, {
      method: 'POST',
      headers: stack.internal,
    });
    expect(await resolved.json()).toMatchObject({ status: 'COMPLETED' });
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
    expect(await charged(sent.orderId)).toHaveLength(1);
  });
});

describe('redelivery: the worker dies after charging, before recording and acking', () => {
  async function queueOneCharge(key?: string) {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    const { response, body, sent } = await pay({ key });
    expect(response.status).toBe(202);
    stack.providerFlags.set({ 'provider-outage': 'off' });
    return { paymentId: String(body.id), orderId: sent.orderId };
  }

  beforeEach(() => stack.paymentsFlags.set({ 'payments-queue-when-provider-down': 'on' }));

  it('broken: RabbitMQ redelivers the message and the worker charges the card again', async () => {
    stack.paymentsFlags.set({ 'payments-crash': 'after-charge' });
    const { paymentId, orderId } = await queueOneCharge();
    await until(async () => (await findPayment(stack.deps.pool, paymentId))?.status === 'COMPLETED');
    expect(await charged(orderId)).toHaveLength(2);
  });

  it('fixed: the redelivered message charges under the same reference, so the card is charged once', async () => {
    stack.paymentsFlags.set({ ...FIXED, 'payments-crash': 'after-charge' });
    const { paymentId, orderId } = await queueOneCharge(crypto.randomUUID());
    await until(async () => (await findPayment(stack.deps.pool, paymentId))?.status === 'COMPLETED');
    expect(await charged(orderId)).toHaveLength(1);
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
  });
});

describe('the dual write: the worker dies after committing the payment, before publishing its event', () => {
  beforeEach(() =>
    stack.paymentsFlags.set({
      'payments-queue-when-provider-down': 'on',
      'payments-crash': 'before-publish',
    }),
  );

  async function queueAndWaitCompleted(key?: string) {
    stack.providerFlags.set({ 'provider-outage': 'on' });
    const { body, sent } = await pay({ key });
    stack.providerFlags.set({ 'provider-outage': 'off' });
    await until(async () => (await findPayment(stack.deps.pool, String(body.id)))?.status === 'COMPLETED');
    return sent.orderId;
  }

  it('idempotent consumer without the outbox: the payment is COMPLETED and payment.completed is never sent', async () => {
    stack.paymentsFlags.set({ 'idempotency-keys': 'on', 'idempotent-consumer': 'on' });
    const orderId = await queueAndWaitCompleted(crypto.randomUUID());
    await sleep(1_500); // the redelivered message is acked as processed; nothing else comes
    expect(await stack.depth('invoicing.payment-completed')).toBe(0);
    expect(await charged(orderId)).toHaveLength(1);
  });

  it('outbox: the event was committed with the payment, so it is published despite the crash', async () => {
    stack.paymentsFlags.set(FIXED);
    const orderId = await queueAndWaitCompleted(crypto.randomUUID());
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
    expect(await charged(orderId)).toHaveLength(1);
  });
});

describe('failover to the backup never charges a reference the primary may have charged', () => {
  beforeEach(() => stack.paymentsFlags.set({ ...FIXED, 'provider-circuit-breaker': 'on' }));

  const primaryCharges = async (orderId: string) => {
    const response = await fetch(`${stack.urls.primary}/charges?orderId=${orderId}`, {
      headers: stack.internal,
    });
    return ((await response.json()) as { charges: unknown[] }).charges;
  };

  it('a retry after payments failed to record a charge stays with the primary while it is down', async () => {
    const key = crypto.randomUUID();
    const { failed, sent } = await payWhileRecordingFails(key);
    expect(failed.status).toBe(500);
    stack.providerFlags.set({ 'provider-fault-target': 'primary', 'provider-outage': 'on' });

    // The primary answers 503 now, but it took the first call: the backup would charge the card again.
    const retry = await pay({ key, orderId: sent.orderId });
    expect(retry.response.status).toBe(202);
    expect(retry.body.status).toBe('PENDING');
    expect(await charged(sent.orderId)).toEqual([expect.objectContaining({ reference: retry.body.id })]);

    stack.providerFlags.set({ 'provider-outage': 'off' });
    const resolved = await fetch(`${stack.urls.payments}/payments/${retry.body.id}/resolve`, {
      method: 'POST',
      headers: stack.internal,
    });
    expect(await resolved.json()).toMatchObject({ status: 'COMPLETED', provider: 'primary' });
    expect(await charged(sent.orderId)).toHaveLength(1);
  });

  it('a 5xx without the provider saying it took nothing is not a reason to fail over', async () => {
    // provider-error-rate: a 500 before charging, which payments cannot tell from one after.
    stack.providerFlags.set({ 'provider-fault-target': 'primary', 'provider-error-rate': 'all' });
    const { response, body, sent } = await pay({ key: crypto.randomUUID() });
    stack.providerFlags.set({ 'provider-error-rate': 'none' });
    expect(response.status).toBe(202);
    expect(body.status).toBe('PENDING');
    expect(await charged(sent.orderId)).toEqual([]);
    const resolved = await fetch(`${stack.urls.payments}/payments/${body.id}/resolve`, {
      method: 'POST',
      headers: stack.internal,
    });
    expect(await resolved.json()).toMatchObject({ status: 'COMPLETED', provider: 'primary' });
    expect(await charged(sent.orderId)).toHaveLength(1);
  });

  it('a charge whose first attempt timed out is not sent to the backup when the primary then refuses', async () => {
    stack.paymentsFlags.set({ 'retry-policy': 'immediate' });
    stack.providerFlags.set({ 'provider-latency-ms': 'very-slow' });
    const orderId = crypto.randomUUID();
    const reached = stack.primaryReceives();
    const answer = pay({ key: crypto.randomUUID(), orderId });
    await reached;
    // Killed with the first attempt inside: the retries are refused, the first attempt still charges.
    const restart = stack.primaryDown();
    const { response, body } = await answer;
    await restart();
    stack.providerFlags.set({ 'provider-latency-ms': 'none' });
    expect(response.status).toBe(202);
    expect(body.status).toBe('PENDING');
    await until(async () => (await primaryCharges(orderId)).length === 1, 10_000);
    expect(await charged(orderId)).toEqual([expect.objectContaining({ reference: body.id })]);
  });

  it('a charge that moved to the backup stays there, even when the primary is back first', async () => {
    stack.paymentsFlags.set({ 'payments-queue-when-provider-down': 'on' });
    stack.providerFlags.set({ 'provider-fault-target': 'both', 'provider-outage': 'on' });
    const { response, body, sent } = await pay({ key: crypto.randomUUID() });
    expect(response.status).toBe(202);
    expect(body.status).toBe('QUEUED');

    // The primary is up again, the backup still down: the worker keeps asking the backup.
    const backupOutages = () => outages(stack.urls.backup, 'backup');
    const before = await backupOutages();
    stack.providerFlags.set({ 'provider-fault-target': 'backup' });
    await until(async () => (await backupOutages()) > before);
    stack.providerFlags.set({ 'provider-outage': 'off', 'provider-fault-target': 'primary' });
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
    expect(await findPayment(stack.deps.pool, String(body.id))).toMatchObject({
      status: 'COMPLETED',
      provider: 'backup',
    });
    expect(await primaryCharges(sent.orderId)).toEqual([]);
    expect(await charged(sent.orderId)).toHaveLength(1);
  });
});

/** Charges a provider refused with 503 so far (its own counter). */
async function outages(url: string, instance: 'primary' | 'backup'): Promise<number> {
  const page = await (await fetch(`${url}/metrics`)).text();
  const pattern = new RegExp(
    `provider_charge_requests_total\\{provider="${instance}",outcome="outage"\\} (\\d+)`,
  );
  return Number(pattern.exec(page)?.[1] ?? 0);
}

describe('the outbox relay', () => {
  it('publishes, when it comes back, what was committed while it was down', async () => {
    stack.paymentsFlags.set(FIXED);
    await relay.stop();
    const { response } = await pay({ key: crypto.randomUUID() });
    expect(response.status).toBe(201);
    expect(await unsentCount(stack.deps.pool)).toBe(1);
    expect(await stack.depth('invoicing.payment-completed')).toBe(0);

    relay = new OutboxRelay(stack.deps.pool, stack.deps.broker, stack.deps.flags, stack.deps.logger);
    relay.start();
    await until(async () => (await stack.depth('invoicing.payment-completed')) === 1);
    expect(await unsentCount(stack.deps.pool)).toBe(0);
  });
});
