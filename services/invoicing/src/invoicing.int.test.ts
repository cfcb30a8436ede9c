import { randomBytes } from 'node:crypto';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, type Pool, type RowDataPacket } from '@incident-lab/db';
import { type InMemoryFlags, startFlagsInMemory } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import {
  Broker,
  deleteTopology,
  envelope,
  parkedMessages,
  purgeQueues,
  queueDepths,
} from '@incident-lab/messaging';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { INVOICING_FLAGS } from './flags';
import { consumePaymentCompleted } from './invoices/payment-completed.consumer';
import { invoicingMetrics } from './metrics';
import { MIGRATIONS } from './migrations';

const { mysqlUrl, amqpUrl } = serverUrls();
const namespace = `invtest_${process.pid}`;
const database = databaseName(namespace, 'invoicing');
const logger = createLogger('invoicing-test');
logger.level = 'silent';
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const internal = internalAuth(INTERNAL_TOKEN);

let pool: Pool;
let broker: Broker;
let server: Listening;

let flags: InMemoryFlags<typeof INVOICING_FLAGS>;

beforeAll(async () => {
  await migrate({ url: mysqlUrl, database, ...MIGRATIONS });
  pool = createPool({ url: mysqlUrl, database });
  broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  await purgeQueues(amqpUrl, namespace);
  flags = await startFlagsInMemory('invoicing-test', INVOICING_FLAGS);
  const metrics = invoicingMetrics();
  await consumePaymentCompleted({ broker, pool, logger, metrics, flags: flags.flags });
  server = await listen(
    createApp({ pool, broker, logger, metrics, flags: flags.flags, internalToken: INTERNAL_TOKEN }),
  );
});

beforeEach(async () => {
  flags.set({ 'invoicing-template-bug': 'off', 'invoicing-dead-letter': 'off' });
  await purgeQueues(amqpUrl, namespace);
});

const invoicesOf = async (paymentId: string) =>
  (
    (await (await fetch(`${server.url}/invoices?paymentId=${paymentId}`, { headers: internal })).json()) as {
      invoices: unknown[];
    }
  ).invoices;
const depths = () => queueDepths(amqpUrl, namespace);
const completed = (customer: string) => ({
  paymentId: crypto.randomUUID(),
  orderId: crypto.randomUUID(),
  amountCents: 1900,
  customer,
});
async function settle(check: () => Promise<boolean>) {
  for (let tries = 0; !(await check()); tries++) {
    if (tries === 100) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** Messages the invoicing consumer has finished with (acked or failed), from its /metrics. */
async function handled(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const samples = text.matchAll(
    /^shop_events_consumed_total\{[^}]*queue="[^"]*\.invoicing\.payment-completed"[^}]*\} (\S+)$/gm,
  );
  return [...samples].reduce((sum, [, value]) => sum + Number(value), 0);
}

afterAll(async () => {
  await server.close();
  await broker.close();
  await pool.end();
  await dropDatabase(mysqlUrl, database);
  await deleteTopology(amqpUrl, namespace);
});

describe('invoicing on real RabbitMQ and MySQL', () => {
  it('turns a payment.completed event into one invoice and one e-mail', async () => {
    const orderId = crypto.randomUUID();
    const paymentId = crypto.randomUUID();
    await broker.publishEvent(
      envelope('payment.completed', { paymentId, orderId, amountCents: 4200, customer: 'user-9' }),
    );
    await broker.publishEvent(
      envelope('payment.failed', { paymentId: crypto.randomUUID(), orderId, reason: 'declined' }),
    );

    let invoices: Array<Record<string, unknown>> = [];
    for (let tries = 0; tries < 50 && invoices.length === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      invoices = (
        (await (await fetch(`${server.url}/invoices?orderId=${orderId}`, { headers: internal })).json()) as {
          invoices: typeof invoices;
        }
      ).invoices;
    }
    expect(invoices).toEqual([
      expect.objectContaining({ paymentId, orderId, amountCents: 4200, customer: 'user-9' }),
    ]);
    const [emails] = await pool.query<RowDataPacket[]>(
      'SELECT recipient, subject FROM emails WHERE invoice_id = ?',
      [invoices[0]?.id],
    );
    expect(emails).toEqual([{ recipient: 'user-9', subject: `Your invoice for order ${orderId}` }]);
  });

  it('answers a malformed query with a 400 problem naming the field', async () => {
    const response = await fetch(`${server.url}/invoices?paymentId=not-a-uuid`, { headers: internal });
    expect(response.status).toBe(400);
    expect(
      ((await response.json()) as { 'invalid-params': Array<{ name: string }> })['invalid-params'][0]?.name,
    ).toBe('paymentId');
  });

  it('writes one invoice per payment, however often payment.completed arrives', async () => {
    const data = completed('user-3');
    const event = envelope('payment.completed', data);
    const before = await handled();
    await broker.publishEvent(event);
    await broker.publishEvent(event);
    await broker.publishEvent(envelope('payment.completed', data));
    await settle(async () => (await handled()) === before + 3);
    expect(await invoicesOf(data.paymentId)).toHaveLength(1);
  });
});

describe('a failing invoice (invoicing-template-bug on)', () => {
  it('broken: the error is swallowed and the message acked; no invoice, no dead letter, nothing to see', async () => {
    flags.set({ 'invoicing-template-bug': 'on' });
    const data = completed('user-17');
    const before = await handled();
    await broker.publishEvent(envelope('payment.completed', data));
    await settle(async () => (await handled()) === before + 1);
    expect(await invoicesOf(data.paymentId)).toEqual([]);
    expect((await depths())[`${namespace}.dead-letter`]).toBe(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toMatch(/shop_messages_dead_lettered_total\{queue="[^"]*invoicing/);
  });

  it('fixed: retried once, then dead-lettered with the reason; other customers are still invoiced', async () => {
    flags.set({ 'invoicing-template-bug': 'on', 'invoicing-dead-letter': 'on' });
    const failing = completed('user-7');
    const fine = completed('user-8');
    await broker.publishEvent(envelope('payment.completed', failing));
    await broker.publishEvent(envelope('payment.completed', fine));
    await settle(async () => (await depths())[`${namespace}.dead-letter`] === 1);
    expect(await invoicesOf(fine.paymentId)).toHaveLength(1);
    expect(await invoicesOf(failing.paymentId)).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`shop_messages_dead_lettered_total\\{queue="${namespace}.invoicing.payment-completed"\\} 1`),
    );
    const reasons = (await parkedMessages(amqpUrl, namespace)).map(
      ({ envelope, reason }) => `${(envelope.data as { paymentId: string }).paymentId}: ${reason}`,
    );
    expect(reasons).toEqual([`${failing.paymentId}: invoice template cannot render customer "user-7"`]);
  });
});

describe('POST /invoices (what the backfill calls)', () => {
  it('invoices a payment once: 201, then 200 with the same invoice', async () => {
    const data = completed('user-4');
    const post = () =>
      fetch(`${server.url}/invoices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...internal },
        body: JSON.stringify(data),
      });
    const first = await post();
    const second = await post();
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { invoiceId: string }).invoiceId).toBe(
      ((await first.json()) as { invoiceId: string }).invoiceId,
    );
    expect(await invoicesOf(data.paymentId)).toHaveLength(1);
  });

  it('refuses with a 422 problem while the template still cannot render the customer', async () => {
    flags.set({ 'invoicing-template-bug': 'on' });
    const response = await fetch(`${server.url}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internal },
      body: JSON.stringify(completed('user-27')),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { type: string }).type).toBe('/problems/invoice-render-failed');
  });

  it('refuses an amount its table cannot hold with 400, and writes no invoice', async () => {
    const data = { ...completed('user-5'), amountCents: 2_147_483_648 };
    const response = await fetch(`${server.url}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internal },
      body: JSON.stringify(data),
    });
    expect(response.status).toBe(400);
    expect(await invoicesOf(data.paymentId)).toEqual([]);
  });

  it('refuses a caller without the internal token with 401, and writes no invoice', async () => {
    const data = completed('user-6');
    const response = await fetch(`${server.url}/invoices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    expect(response.status).toBe(401);
    expect((await fetch(`${server.url}/invoices?paymentId=${data.paymentId}`)).status).toBe(401);
    expect(await invoicesOf(data.paymentId)).toEqual([]);
  });
});
