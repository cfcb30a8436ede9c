import { randomBytes } from 'node:crypto';
import { databaseName, serverUrls } from '@incident-lab/config';
import {
  createPool,
  dropDatabase,
  migrate,
  type Pool,
  type RowDataPacket,
  serverFlavour,
} from '@incident-lab/db';
import { type InMemoryFlags, startFlagsInMemory } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import { MIGRATIONS as INVOICING_MIGRATIONS } from '@incident-lab/invoicing/migrations';
import { Broker, deleteTopology } from '@incident-lab/messaging';
import {
  createApp as createPayments,
  PAYMENTS_FLAGS,
  ProviderClient,
  paymentsMetrics,
} from '@incident-lab/payments/app';
import { MIGRATIONS as PAYMENTS_MIGRATIONS } from '@incident-lab/payments/migrations';
import { createApp as createProvider, PROVIDER_FLAGS, providerMetrics } from '@incident-lab/provider/app';
import { MIGRATIONS as PROVIDER_MIGRATIONS } from '@incident-lab/provider/migrations';
import { type Listening, listen } from '@incident-lab/service-kit';
import {
  Catalogue,
  CatalogueCache,
  createApp as createStorefront,
  ShopDb,
  STOREFRONT_FLAGS,
  storefrontMetrics,
} from '@incident-lab/storefront/app';
import { MIGRATIONS as STOREFRONT_MIGRATIONS } from '@incident-lab/storefront/migrations';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { RECONCILER_FLAGS } from './flags';
import { type ReconcileDeps, reconcile } from './jobs/reconcile.job';
import { Scheduler } from './jobs/scheduler';
import { MIGRATIONS } from './migrations';

/**
 * The reconciler against real schemas, a real payments service and both real provider ledgers:
 * each repair (complete, fail, refund, refund-duplicate), report-only mode, and runs that repeat or
 * overlap.
 */
const { mysqlUrl, amqpUrl, redisUrl } = serverUrls();
const namespace = `rectest_${process.pid}`;
const db = (owner: Parameters<typeof databaseName>[1]) => `\`${databaseName(namespace, owner)}\``;
const logger = createLogger('reconciler-test');
logger.level = 'silent';

let pool: Pool;
let servers: Listening[] = [];
let broker: Broker;
let catalogueCache: CatalogueCache;
let server: Listening;
let deps: ReconcileDeps;
let flags: InMemoryFlags<typeof RECONCILER_FLAGS>;
let failing = false;
/** Payments fails a charge it could not make this long after the payment was made. */
const CHARGE_DEADLINE_S = 600;
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const internal = internalAuth(INTERNAL_TOKEN);

beforeAll(async () => {
  const schemas = [
    ['storefront', STOREFRONT_MIGRATIONS],
    ['payments', PAYMENTS_MIGRATIONS],
    ['reconciler', MIGRATIONS],
    ['invoicing', INVOICING_MIGRATIONS],
    ['provider_primary', PROVIDER_MIGRATIONS],
    ['provider_backup', PROVIDER_MIGRATIONS],
  ] as const;
  for (const [owner, migrations] of schemas)
    await migrate({ url: mysqlUrl, database: databaseName(namespace, owner), ...migrations });
  pool = createPool({ url: mysqlUrl, connectionLimit: 4 });
  const providerFlags = await startFlagsInMemory('rec-provider', PROVIDER_FLAGS);
  const provider = (instance: 'primary' | 'backup') =>
    listen(
      createProvider({
        pool: createPool({ url: mysqlUrl, database: databaseName(namespace, `provider_${instance}`) }),
        flags: providerFlags.flags,
        logger,
        instance,
        metrics: providerMetrics(),
        internalToken: INTERNAL_TOKEN,
      }),
    );
  const [primary, backup] = [await provider('primary'), await provider('backup')];
  const paymentsFlags = await startFlagsInMemory('rec-payments', PAYMENTS_FLAGS);
  paymentsFlags.set({ outbox: 'on', 'idempotency-keys': 'on' });
  broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  const paymentsPool = createPool({ url: mysqlUrl, database: databaseName(namespace, 'payments') });
  const payments = await listen(
    createPayments({
      pool: paymentsPool,
      broker,
      logger,
      flags: paymentsFlags.flags,
      metrics: paymentsMetrics(),
      provider: new ProviderClient(
        { primary: primary.url, backup: backup.url },
        INTERNAL_TOKEN,
        paymentsPool,
      ),
      internalToken: INTERNAL_TOKEN,
      chargeDeadlineS: CHARGE_DEADLINE_S,
    }),
  );
  const storefrontPool = createPool({ url: mysqlUrl, database: databaseName(namespace, 'storefront') });
  const storefrontFlags = await startFlagsInMemory('rec-storefront', STOREFRONT_FLAGS);
  const storefrontDb = new ShopDb(
    { shared: storefrontPool, sharedSize: 10, reports: storefrontPool, reportsSize: 10 },
    storefrontFlags.flags,
    await serverFlavour(storefrontPool),
  );
  const storefrontMetricsOf = storefrontMetrics();
  catalogueCache = CatalogueCache.start(redisUrl, namespace, logger);
  const storefront = await listen(
    createStorefront({
      db: storefrontDb,
      catalogue: new Catalogue({
        db: storefrontDb,
        cache: catalogueCache,
        metrics: storefrontMetricsOf,
        logger,
        ttlS: 30,
      }),
      flags: storefrontFlags.flags,
      broker,
      logger,
      metrics: storefrontMetricsOf,
      paymentsUrl: payments.url,
      sessionSecret: randomBytes(32).toString('hex'),
      internalToken: INTERNAL_TOKEN,
      paymentRequestDeadlineS: 600,
      abandonAfterS: 20,
    }),
  );
  servers = [primary, backup, payments, storefront];
  flags = await startFlagsInMemory('reconciler-test', RECONCILER_FLAGS);
  deps = {
    pool,
    namespace,
    flags: flags.flags,
    logger,
    urls: {
      internalToken: INTERNAL_TOKEN,
      storefront: storefront.url,
      payments: payments.url,
      providers: { primary: primary.url, backup: backup.url },
    },
  };
  const scheduler = new Scheduler(
    'reconcile',
    async ({ graceS }) => {
      if (failing) throw new Error('storefront schema unreachable');
      return reconcile(deps, graceS ?? 60);
    },
    3_600_000,
    logger,
  );
  server = await listen(
    createApp({ pool, logger, scheduler, flags: flags.flags, internalToken: INTERNAL_TOKEN }),
  );
});

afterAll(async () => {
  for (const each of [...servers, server]) await each?.close();
  await catalogueCache
    ?.forLesson('fill', false)
    .remove()
    .catch(() => undefined);
  await catalogueCache?.stop();
  await broker?.close();
  await pool?.end();
  for (const owner of [
    'storefront',
    'payments',
    'reconciler',
    'invoicing',
    'provider_primary',
    'provider_backup',
  ] as const)
    await dropDatabase(mysqlUrl, databaseName(namespace, owner));
  await deleteTopology(amqpUrl, namespace);
});

beforeEach(async () => {
  flags.set({ 'reconciler-repair': 'off' });
  await pool.query(`DELETE FROM ${db('storefront')}.orders`);
  await pool.query(`DELETE FROM ${db('storefront')}.payment_requests`);
  await pool.query(`DELETE FROM ${db('payments')}.payments`);
  await pool.query(`DELETE FROM ${db('reconciler')}.reconciliation_actions`);
  await pool.query(`DELETE FROM ${db('invoicing')}.invoices`);
});

/**
 * An order as checkout left it, `minutesAgo` old, with its payment row in payments' schema. With a
 * `reference` (as payments makes with idempotency-keys) the provider knows the charge by the payment
 * id; without, it cannot be looked up.
 */
async function order(
  status: 'PENDING' | 'PAID' | 'FAILED',
  payment: 'PENDING' | 'QUEUED' | 'COMPLETED' | 'FAILED',
  { minutesAgo = 2, reference = true }: { minutesAgo?: number; reference?: boolean } = {},
) {
  const orderId = crypto.randomUUID();
  const paymentId = crypto.randomUUID();
  await pool.query(
    `INSERT INTO ${db('storefront')}.orders (id, user_id, status, total_cents, payment_id, created_at)
     VALUES (?, 1, ?, 1500, ?, NOW(3) - INTERVAL ? MINUTE)`,
    [orderId, status, paymentId, minutesAgo],
  );
  await pool.query(
    `INSERT INTO ${db('payments')}.payments (id, order_id, amount_cents, customer, status, provider_reference, created_at)
     VALUES (?, ?, 1500, 'user-1', ?, ?, NOW(3) - INTERVAL ? MINUTE)`,
    [paymentId, orderId, payment, reference ? paymentId : null, minutesAgo],
  );
  return { orderId, paymentId };
}

/** A charge on the card, as the provider recorded it (the answer may never have reached the shop). */
async function charge(orderId: string, reference: string, instance: 'primary' | 'backup' = 'primary') {
  const response = await fetch(`${deps.urls.providers[instance]}/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...internal },
    body: JSON.stringify({ reference, orderId, amountCents: 1500, customer: 'user-1' }),
  });
  return ((await response.json()) as { chargeId: string }).chargeId;
}

const orderStatus = async (id: string) =>
  (
    await pool.query<RowDataPacket[]>(`SELECT status FROM ${db('storefront')}.orders WHERE id = ?`, [id])
  )[0][0]?.status;
const paymentStatus = async (id: string) =>
  (
    await pool.query<RowDataPacket[]>(`SELECT status FROM ${db('payments')}.payments WHERE id = ?`, [id])
  )[0][0]?.status;
const chargeStatus = async (id: string) =>
  (
    await pool.query<RowDataPacket[]>(
      `SELECT status FROM ${db('provider_primary')}.charges WHERE id = ? UNION SELECT status FROM ${db('provider_backup')}.charges WHERE id = ?`,
      [id, id],
    )
  )[0][0]?.status;
/** The card statement: what both providers charged for an order. */
const ledger = async (orderId: string) =>
  (
    await pool.query<RowDataPacket[]>(
      `SELECT reference, status FROM ${db('provider_primary')}.charges WHERE order_id = ?
       UNION ALL SELECT reference, status FROM ${db('provider_backup')}.charges WHERE order_id = ?`,
      [orderId, orderId],
    )
  )[0];
const metrics = async () => (await fetch(`${server.url}/metrics`)).text();
const run = async (graceS?: number) => {
  const response = await fetch(
    `${server.url}/jobs/reconcile/run${graceS === undefined ? '' : `?graceS=${graceS}`}`,
    { method: 'POST', headers: internal },
  );
  return { status: response.status, body: (await response.json()) as { result: { actions: unknown[] } } };
};

describe('the reconcile job, report only (reconciler-repair off)', () => {
  it('finds only orders PENDING past the grace period, changes nothing, and exports when it last succeeded', async () => {
    const overdue = await order('PENDING', 'QUEUED', { minutesAgo: 10 });
    await order('PENDING', 'QUEUED', { minutesAgo: 0 });
    await order('PAID', 'COMPLETED', { minutesAgo: 10 });
    const { status, body } = await run();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      outcome: 'ok',
      result: { overduePending: 1, orderIds: [overdue.orderId], repaired: false, actions: [] },
    });
    expect(await orderStatus(overdue.orderId)).toBe('PENDING');
    const page = await metrics();
    const lastSuccess = Number(
      /shop_job_last_success_timestamp_seconds\{shop_job="reconcile"\} ([\d.e+]+)/.exec(page)?.[1],
    );
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(30);
    expect(page).toMatch(/shop_orders_pending\{age="over-5m"\} 1/);
    expect(page).toMatch(/shop_orders_pending\{age="under-1m"\} 1/);
  });

  it('counts completed payments without an invoice, from the databases', async () => {
    await order('PAID', 'COMPLETED');
    const invoiced = await order('PAID', 'COMPLETED');
    await pool.query(
      `INSERT INTO ${db('invoicing')}.invoices (id, payment_id, order_id, amount_cents, customer) VALUES (UUID(), ?, ?, 1500, 'user-1')`,
      [invoiced.paymentId, invoiced.orderId],
    );
    await run();
    expect(await metrics()).toMatch(/^shop_payments_without_invoice 1$/m);
  });

  it('fails every run with reconciler-job-fault on, and says so in its metrics and on /jobs', async () => {
    flags.set({ 'reconciler-job-fault': 'on' });
    try {
      const { status } = await run();
      expect(status).toBe(500);
      expect(await metrics()).toMatch(/shop_job_runs_total\{shop_job="reconcile",outcome="failed"\} [1-9]/);
      const jobs = (await (await fetch(`${server.url}/jobs`, { headers: internal })).json()) as {
        jobs: Array<{ last: { error: string } }>;
      };
      expect(jobs.jobs[0]?.last.error).toContain('settled_at');
    } finally {
      flags.set({ 'reconciler-job-fault': 'off' });
    }
  });

  it('counts a failed run, keeps the last success time, and shows the failure on /jobs', async () => {
    failing = true;
    const response = await fetch(`${server.url}/jobs/reconcile/run`, { method: 'POST', headers: internal });
    failing = false;
    expect(response.status).toBe(500);
    expect(await metrics()).toMatch(/shop_job_runs_total\{shop_job="reconcile",outcome="failed"\} [1-9]/);
    const jobs = (await (await fetch(`${server.url}/jobs`, { headers: internal })).json()) as {
      jobs: Array<{ last: { error: string } }>;
    };
    expect(jobs.jobs[0]?.last.error).toContain('storefront schema unreachable');
  });
});

describe('the job routes', () => {
  it('refuse a run, and the last run, to a caller without the internal token (401)', async () => {
    const before = await metrics();
    for (const response of [
      await fetch(`${server.url}/jobs/reconcile/run`, { method: 'POST' }),
      await fetch(`${server.url}/jobs`, { headers: { authorization: 'Bearer not-the-token' } }),
    ]) {
      expect(response.status).toBe(401);
    }
    const runs = (page: string) => page.match(/shop_job_runs_total\{[^}]*\} \d+/g);
    expect(runs(await metrics())).toEqual(runs(before));
  });
});

describe('the reconcile job, repairing (reconciler-repair on)', () => {
  beforeEach(() => flags.set({ 'reconciler-repair': 'on' }));

  it('completes a PENDING order whose card was charged though the answer was lost', async () => {
    const { orderId, paymentId } = await order('PENDING', 'QUEUED');
    const chargeId = await charge(orderId, paymentId);
    const { body } = await run();
    expect(body.result.actions).toEqual([expect.objectContaining({ orderId, action: 'complete', chargeId })]);
    expect(await orderStatus(orderId)).toBe('PAID');
    expect(await paymentStatus(paymentId)).toBe('COMPLETED');
    expect(await chargeStatus(chargeId)).toBe('CHARGED');
  });

  it('charges a PENDING payment the provider never saw, under its reference, and completes the order', async () => {
    const { orderId, paymentId } = await order('PENDING', 'PENDING');
    const { body } = await run();
    expect(body.result.actions).toEqual([expect.objectContaining({ orderId, action: 'complete' })]);
    expect(await orderStatus(orderId)).toBe('PAID');
    expect(await paymentStatus(paymentId)).toBe('COMPLETED');
    const charges = await ledger(orderId);
    expect(charges).toEqual([expect.objectContaining({ reference: paymentId, status: 'CHARGED' })]);
  });

  it('fails a PENDING order the provider never charged once the charge deadline has passed', async () => {
    const { orderId, paymentId } = await order('PENDING', 'PENDING', {
      minutesAgo: CHARGE_DEADLINE_S / 60 + 1,
    });
    const { body } = await run();
    expect(body.result.actions).toEqual([expect.objectContaining({ orderId, action: 'fail' })]);
    expect(await orderStatus(orderId)).toBe('FAILED');
    expect(await paymentStatus(paymentId)).toBe('FAILED');
    expect(await ledger(orderId)).toEqual([]);
  });

  it('leaves a PENDING order inside the grace period alone, unless asked with graceS=0', async () => {
    // Made without a reference, so nothing can be looked up or charged again: it is failed.
    const { orderId } = await order('PENDING', 'PENDING', { minutesAgo: 0, reference: false });
    expect((await run()).body.result.actions).toEqual([]);
    expect(await orderStatus(orderId)).toBe('PENDING');
    expect((await run(0)).body.result.actions).toEqual([
      expect.objectContaining({ orderId, action: 'fail' }),
    ]);
  });

  it('does not fail an order storefront still owes payments a charge request for', async () => {
    const { orderId } = await order('PENDING', 'PENDING', { reference: false });
    await pool.query(
      `INSERT INTO ${db('storefront')}.payment_requests (order_id, amount_cents, customer, next_attempt_at, deadline_at)
       VALUES (?, 1500, 'user-1', NOW(3) + INTERVAL 1 HOUR, NOW(3) + INTERVAL 1 HOUR)`,
      [orderId],
    );
    expect((await run()).body.result.actions).toEqual([]);
    expect(await orderStatus(orderId)).toBe('PENDING');
  });

  it('compensates: refunds the charge of an order the shop recorded as FAILED', async () => {
    const { orderId, paymentId } = await order('FAILED', 'FAILED');
    const chargeId = await charge(orderId, crypto.randomUUID(), 'backup');
    const { body } = await run();
    expect(body.result.actions).toEqual([expect.objectContaining({ orderId, action: 'refund', chargeId })]);
    expect(await chargeStatus(chargeId)).toBe('REFUNDED');
    expect(await paymentStatus(paymentId)).toBe('FAILED');
  });

  it('compensates: keeps the charge the payment recorded and refunds the duplicate', async () => {
    const { orderId, paymentId } = await order('PAID', 'COMPLETED');
    const duplicate = await charge(orderId, crypto.randomUUID());
    const kept = await charge(orderId, paymentId);
    await pool.query(`UPDATE ${db('payments')}.payments SET provider_charge_id = ? WHERE id = ?`, [
      kept,
      paymentId,
    ]);
    const { body } = await run();
    expect(body.result.actions).toEqual([
      expect.objectContaining({ orderId, action: 'refund-duplicate', chargeId: duplicate }),
    ]);
    expect(await chargeStatus(duplicate)).toBe('REFUNDED');
    expect(await chargeStatus(kept)).toBe('CHARGED');
    expect(await metrics()).toMatch(/shop_reconciler_actions_total\{action="refund-duplicate"\} \d+/);
  });

  it('repairs nothing twice: a second run and two concurrent runs record each action once', async () => {
    const lost = await order('PENDING', 'QUEUED');
    await charge(lost.orderId, lost.paymentId);
    const failed = await order('FAILED', 'FAILED');
    await charge(failed.orderId, crypto.randomUUID());
    const [first, second] = await Promise.all([reconcile(deps, 60), reconcile(deps, 60)]);
    // Whichever order they ran in (one may find the lock taken and skip), each repair happened once.
    expect(first.actions.length + second.actions.length).toBe(2);
    const again = await reconcile(deps, 60);
    expect(again.actions).toEqual([]);
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT action FROM ${db('reconciler')}.reconciliation_actions ORDER BY action`,
    );
    expect(rows.map((row) => row.action)).toEqual(['complete', 'refund']);
  });
});
