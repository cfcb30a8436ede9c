import path from 'node:path';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, type Pool, type RowDataPacket } from '@incident-lab/db';
import { Broker, deleteTopology, envelope, purgeQueues } from '@incident-lab/messaging';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { consumePaymentCompleted } from './invoices/payment-completed.consumer';
import { invoicingMetrics } from './metrics';

const { mysqlUrl, amqpUrl } = serverUrls();
const namespace = `invtest_${process.pid}`;
const database = databaseName(namespace, 'invoicing');
const logger = createLogger('invoicing-test');
logger.level = 'silent';

let pool: Pool;
let broker: Broker;
let server: Listening;

beforeAll(async () => {
  await migrate({ url: mysqlUrl, database, dir: path.join(__dirname, '../migrations') });
  pool = createPool({ url: mysqlUrl, database });
  broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  await purgeQueues(amqpUrl, namespace);
  await consumePaymentCompleted({ broker, pool, logger, metrics: invoicingMetrics() });
  server = await listen(createApp({ pool, broker, logger }));
});

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
        (await (await fetch(`${server.url}/invoices?orderId=${orderId}`)).json()) as {
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
    const response = await fetch(`${server.url}/invoices?paymentId=not-a-uuid`);
    expect(response.status).toBe(400);
    expect(
      ((await response.json()) as { 'invalid-params': Array<{ name: string }> })['invalid-params'][0]?.name,
    ).toBe('paymentId');
  });
});
