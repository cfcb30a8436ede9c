import { databaseName } from '@incident-lab/config';
import type { Pool, RowDataPacket } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { countUninvoicedPayments } from '@incident-lab/shop-audit';
import { getMeter, type Logger } from '@incident-lab/telemetry';
import type { RECONCILER_FLAGS, ReconcilerFlags } from '../flags';
import { type ReconcileResult, reconcilerMode } from '../lessons/reconciler-repair';
import { type ShopUrls, shopApi } from './shop-apis';

export interface ReconcileDeps {
  pool: Pool;
  namespace: string;
  flags: FlagReader<typeof RECONCILER_FLAGS>;
  logger: Logger;
  urls: ShopUrls;
}

const AGE_BUCKETS = [
  { age: 'under-1m', sql: 'created_at >= NOW(3) - INTERVAL 1 MINUTE' },
  {
    age: '1m-to-5m',
    sql: 'created_at < NOW(3) - INTERVAL 1 MINUTE AND created_at >= NOW(3) - INTERVAL 5 MINUTE',
  },
  { age: 'over-5m', sql: 'created_at < NOW(3) - INTERVAL 5 MINUTE' },
];

const meter = getMeter('reconciler');
const pendingByAge = new Map<string, number>();
let paymentsWithoutInvoice: number | undefined;
meter
  .createObservableGauge('shop_payments_without_invoice', {
    description: 'Completed payments with no invoice, counted from the databases at the last reconcile run.',
  })
  .addCallback((result) => {
    if (paymentsWithoutInvoice !== undefined) result.observe(paymentsWithoutInvoice);
  });
meter
  .createObservableGauge('shop_orders_pending', {
    description: 'Checkout orders still PENDING at the last reconcile run, by age.',
  })
  .addCallback((result) => {
    for (const [age, count] of pendingByAge) result.observe(count, { age });
  });

/**
 * Compares the shop with the providers' ledgers: counts the PENDING orders by age and the completed
 * payments without an invoice (the gauges the alerts read), lists the orders PENDING past the grace
 * period, and reports or repairs them as `lessons/reconciler-repair.ts` says. A named lock keeps two
 * runs from overlapping, so running it twice or concurrently repairs nothing twice.
 */
export async function reconcile(deps: ReconcileDeps, graceS: number): Promise<ReconcileResult> {
  const lock = await deps.pool.getConnection();
  const lockName = `${deps.namespace}.reconcile`;
  try {
    const [[got]] = await lock.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName]);
    if (got?.got !== 1) {
      return {
        overduePending: 0,
        orderIds: [],
        repaired: false,
        actions: [],
        skipped: 'another run is under way',
      };
    }
    try {
      return await pass(deps, graceS);
    } finally {
      await lock.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    lock.release();
  }
}

/** One snapshot per run: a flag flipped mid-run applies from the next run on. */
function pass(deps: ReconcileDeps, graceS: number): Promise<ReconcileResult> {
  return deps.flags.run((flags) => passUnder(flags, deps, graceS));
}

async function passUnder(
  flags: ReconcilerFlags,
  deps: ReconcileDeps,
  graceS: number,
): Promise<ReconcileResult> {
  if (flags['reconciler-job-fault']) {
    throw new Error("Unknown column 'o.settled_at' in 'where clause' (the job's query predates a migration)");
  }
  const orders = `\`${databaseName(deps.namespace, 'storefront')}\`.orders`;
  const actionsTable = `\`${databaseName(deps.namespace, 'reconciler')}\`.reconciliation_actions`;
  const { pool } = deps;

  for (const bucket of AGE_BUCKETS) {
    const [[row]] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${orders} WHERE origin = 'checkout' AND status = 'PENDING' AND ${bucket.sql}`,
    );
    pendingByAge.set(bucket.age, Number(row?.n ?? 0));
  }
  paymentsWithoutInvoice = await countUninvoicedPayments(pool, deps.namespace);
  const [overdue] = await pool.query<RowDataPacket[]>(
    `SELECT id FROM ${orders}
      WHERE origin = 'checkout' AND status = 'PENDING' AND created_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY created_at LIMIT 1000`,
    [graceS],
  );
  const orderIds = overdue.map((row) => String(row.id));
  const result: ReconcileResult = { overduePending: orderIds.length, orderIds, repaired: false, actions: [] };
  // Report only (broken) or repair and compensate (fixed): lessons/reconciler-repair.ts.
  return reconcilerMode(flags['reconciler-repair'])({
    pool,
    namespace: deps.namespace,
    logger: deps.logger,
    shop: shopApi(deps.urls),
    orderIds,
    result,
    orders,
    actionsTable,
  });
}
