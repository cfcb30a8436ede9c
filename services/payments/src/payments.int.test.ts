import path from 'node:path';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, type Pool } from '@incident-lab/db';
import { startFlagsInMemory } from '@incident-lab/flags';
import { Broker, deleteTopology, purgeQueues, queueDepths } from '@incident-lab/messaging';
import { createApp as createProvider, PROVIDER_FLAGS, providerMetrics } from '@incident-lab/provider/app';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type PaymentsDeps } from './app';
import { findPayment } from './charges/payments.repo';
import { ProviderClient } from './charges/provider-client';
import { PAYMENTS_FLAGS } from './flags';
import { paymentsMetrics } from './metrics';
import { startChargeWorker } from './worker/charge-worker';

const { mysqlUrl, amqpUrl } = serverUrls();
const namespace = `paytest_${process.pid}`;
const logger = createLogger('payments-test');
logger.level = 'silent';

let pools: Pool[] = [];
let servers: Listening[] = [];
let broker: Broker;
let deps: PaymentsDeps;
let paymentsFlags: Awaited<ReturnType<typeof startFlagsInMemory>>;
let providerFlags: Awaited<ReturnType<typeof startFlagsInMemory>>;

async function schema(
  owner: 'payments' | 'provider_primary' | 'provider_backup',
  service: string,
): Promise<Pool> {
  const database = databaseName(namespace, owner);
  await migrate({
    url: mysqlUrl,
    database,
    dir: path.join(path.dirname(require.resolve(`${service}/package.json`)), 'migrations'),
  });
  const pool = createPool({ url: mysqlUrl, database });
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  providerFlags = await startFlagsInMemory('provider-under-payments', PROVIDER_FLAGS);
  const provider = await listen(
    createProvider({
      pool: await schema('provider_primary', '@incident-lab/provider'),
      flags: providerFlags.flags,
      logger,
      instance: 'primary',
      metrics: providerMetrics(),
    }),
  );
  const backup = await listen(
    createProvider({
      pool: await schema('provider_backup', '@incident-lab/provider'),
      flags: providerFlags.flags,
      logger,
      instance: 'backup',
      metrics: providerMetrics(),
    }),
  );
  paymentsFlags = await startFlagsInMemory('payments-test', PAYMENTS_FLAGS);
  broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  deps = {
    pool: await schema('payments', '@incident-lab/payments'),
    broker,
    logger,
    flags: paymentsFlags.flags,
    metrics: paymentsMetrics(),
    provider: new ProviderClient({ primary: provider.url, backup: backup.url }, paymentsFlags.flags),
  };
  servers = [provider, await listen(createApp(deps)), backup];
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await broker.close();
  for (const pool of pools) await pool.end();
  await dropDatabase(mysqlUrl, databaseName(namespace, 'payments'));
  await dropDatabase(mysqlUrl, databaseName(namespace, 'provider_primary'));
  await dropDatabase(mysqlUrl, databaseName(namespace, 'provider_backup'));
  await deleteTopology(amqpUrl, namespace);
  pools = [];
});

beforeEach(async () => {
  providerFlags.set({ 'provider-outage': 'off' });
  paymentsFlags.set({
    'payments-queue-when-provider-down': 'off',
    'provider-circuit-breaker': 'off',
    'retry-policy': 'none',
  });
  await purgeQueues(amqpUrl, namespace);
  outageBase = await outageCount();
});

async function pay() {
  const response = await fetch(`${servers[1]?.url}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: crypto.randomUUID(), amountCents: 2500, customer: 'user-2' }),
  });
  return { response, body: (await response.json()) as Record<string, string> };
}

const depth = async (queue: string) => (await queueDepths(amqpUrl, namespace))[`${namespace}.${queue}`];

describe('payments against a real provider, MySQL and RabbitMQ', () => {
  it('charges the provider under the payment id, records it COMPLETED and publishes payment.completed', async () => {
    const { response, body } = await pay();
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ status: 'COMPLETED', provider: 'primary' });
    const ledger = await fetch(`${servers[0]?.url}/charges?reference=${body.paymentId}`);
    expect(((await ledger.json()) as { charges: unknown[] }).charges).toHaveLength(1);
    expect(await depth('invoicing.payment-completed')).toBe(1);
  });

  it('fails the payment with a 402 problem and publishes payment.failed when the provider is down', async () => {
    providerFlags.set({ 'provider-outage': 'on' });
    const { response, body } = await pay();
    expect(response.status).toBe(402);
    expect(body.detail).toContain('provider answered 503');
    expect(await depth('storefront.payment-events')).toBe(1);
    expect(await depth('invoicing.payment-completed')).toBe(0);
  });

  it('accepts the charge for later (202) when allowed, and its worker completes it once the provider is back', async () => {
    providerFlags.set({ 'provider-outage': 'on' });
    paymentsFlags.set({ 'payments-queue-when-provider-down': 'on' });
    const { response, body } = await pay();
    expect(response.status).toBe(202);
    expect(body.status).toBe('QUEUED');
    expect(await depth('payments.charge-requests')).toBe(1);

    providerFlags.set({ 'provider-outage': 'off' });
    await startChargeWorker(deps, 5_000);
    const deadline = Date.now() + 10_000;
    while (
      (await findPayment(deps.pool, body.paymentId as string))?.status !== 'COMPLETED' &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await findPayment(deps.pool, body.paymentId as string)).toMatchObject({ status: 'COMPLETED' });
  });

  it('retries immediately by default: a 503 provider is called four times per charge', async () => {
    providerFlags.set({ 'provider-outage': 'on' });
    paymentsFlags.set({ 'retry-policy': 'immediate' });
    const before = await outageCount();
    expect((await pay()).response.status).toBe(402);
    expect((await outageCount()) - before).toBe(4);
  });

  it('fails over to the backup while the primary is down, and the breaker opens after five failures', async () => {
    providerFlags.set({ 'provider-outage': 'on', 'provider-fault-target': 'primary' });
    paymentsFlags.set({ 'provider-circuit-breaker': 'on' });
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await pay());
    expect(results.map((r) => r.response.status)).toEqual(Array(8).fill(201));
    expect(results.every((r) => r.body.provider === 'backup')).toBe(true);
    const metrics = await (await fetch(`${servers[1]?.url}/metrics`)).text();
    expect(metrics).toContain('circuit_breaker_state{breaker="provider-primary"} 2');
    // Once open, the primary is not even asked: only the first five calls reached it.
    expect(await outageCount()).toBeLessThanOrEqual(5 + outageBase);
  });
});

let outageBase = 0;
async function outageCount(): Promise<number> {
  const page = await (await fetch(`${servers[0]?.url}/metrics`)).text();
  const match = /provider_charge_requests_total\{instance="primary",outcome="outage"\} (\d+)/.exec(page);
  return Number(match?.[1] ?? 0);
}
