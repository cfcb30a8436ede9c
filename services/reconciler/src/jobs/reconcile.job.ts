import { databaseName } from '@incident-lab/config';
import { isDuplicateKeyError, type Pool, type RowDataPacket } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { getMeter, type Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import {
  type LedgerCharge,
  ledgerSince,
  type PaymentView,
  paymentsOf,
  refund,
  resolvePayment,
  type ShopUrls,
  settleOrder,
} from './shop-apis';

export type ActionKind = 'complete' | 'fail' | 'refund' | 'refund-duplicate';

export interface Action {
  orderId: string;
  action: ActionKind;
  chargeId?: string;
  reason: string;
}

export interface ReconcileResult {
  overduePending: number;
  orderIds: string[];
  /** False while `reconciler-repair` is off: the job only reports. */
  repaired: boolean;
  actions: Action[];
  skipped?: string;
}

export interface ReconcileDeps {
  pool: Pool;
  namespace: string;
  flags: FlagReader;
  logger: Logger;
  urls: ShopUrls;
}

/** How far back the job reads the providers' ledgers. */
const LEDGER_WINDOW_MS = 24 * 60 * 60 * 1000;
const AGE_BUCKETS = [
  { age: 'under-1m', sql: 'created_at >= NOW(3) - INTERVAL 1 MINUTE' },
  {
    age: '1m-to-5m',
    sql: 'created_at < NOW(3) - INTERVAL 1 MINUTE AND created_at >= NOW(3) - INTERVAL 5 MINUTE',
  },
  { age: 'over-5m', sql: 'created_at < NOW(3) - INTERVAL 5 MINUTE' },
];

const tracer = trace.getTracer('reconciler');
const meter = getMeter('reconciler');
const actionsTaken = meter.createCounter('shop_reconciler_actions', {
  description: 'Repairs the reconciler made, by action: complete, fail, refund, refund-duplicate.',
});
// Every action starts at 0, so a dashboard shows "none yet" rather than "no data".
for (const action of ['complete', 'fail', 'refund', 'refund-duplicate'] satisfies ActionKind[])
  actionsTaken.add(0, { action });
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
 * Compares the shop with the providers' ledgers and repairs what a lost answer left behind.
 *
 * - An order PENDING past the grace period: payments asks the provider by reference and records what
 *   happened; the order becomes PAID when the card was charged (`complete`), FAILED when not (`fail`).
 * - Compensation, because no transaction spans the shop and the provider: a FAILED order whose card
 *   was charged is refunded (`refund`); a PAID order charged more than once keeps one charge and the
 *   others are refunded (`refund-duplicate`).
 *
 * Every action is conditional and recorded once (unique key), and a named lock keeps two runs from
 * overlapping, so running it twice or concurrently repairs nothing twice.
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

async function pass(deps: ReconcileDeps, graceS: number): Promise<ReconcileResult> {
  if (await deps.flags.bool('reconciler-job-fault')) {
    throw new Error("Unknown column 'o.settled_at' in 'where clause' (the job's query predates a migration)");
  }
  const orders = `\`${databaseName(deps.namespace, 'storefront')}\`.orders`;
  const actionsTable = `\`${databaseName(deps.namespace, 'reconciler')}\`.reconciliation_actions`;
  const { pool, logger } = deps;

  for (const bucket of AGE_BUCKETS) {
    const [[row]] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${orders} WHERE origin = 'checkout' AND status = 'PENDING' AND ${bucket.sql}`,
    );
    pendingByAge.set(bucket.age, Number(row?.n ?? 0));
  }
  const [[unbilled]] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM \`${databaseName(deps.namespace, 'payments')}\`.payments p
      WHERE p.status = 'COMPLETED' AND NOT EXISTS
        (SELECT 1 FROM \`${databaseName(deps.namespace, 'invoicing')}\`.invoices i WHERE i.payment_id = p.id)`,
  );
  paymentsWithoutInvoice = Number(unbilled?.n ?? 0);
  const [overdue] = await pool.query<RowDataPacket[]>(
    `SELECT id FROM ${orders}
      WHERE origin = 'checkout' AND status = 'PENDING' AND created_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY created_at LIMIT 1000`,
    [graceS],
  );
  const orderIds = overdue.map((row) => String(row.id));
  const result: ReconcileResult = { overduePending: orderIds.length, orderIds, repaired: false, actions: [] };
  if (!(await deps.flags.bool('reconciler-repair'))) {
    if (orderIds.length > 0)
      logger.warn(
        { orderIds, count: orderIds.length },
        'orders pending past the grace period (repair is off)',
      );
    return result;
  }
  result.repaired = true;

  /** Records an action once; the current `reconcile.order` span carries it. */
  const act = async (action: Action) => {
    trace.getActiveSpan()?.setAttributes({
      'reconcile.action': action.action,
      'reconcile.reason': action.reason,
      ...(action.chargeId ? { 'charge.id': action.chargeId } : {}),
    });
    try {
      await pool.query(
        `INSERT INTO ${actionsTable} (order_id, action, charge_id, reason) VALUES (?, ?, ?, ?)`,
        [action.orderId, action.action, action.chargeId ?? '', action.reason],
      );
    } catch (error) {
      if (isDuplicateKeyError(error)) return; // taken already, by an earlier run
      throw error;
    }
    actionsTaken.add(1, { action: action.action });
    result.actions.push(action);
    logger.warn(action, `reconciler: ${action.action}`);
  };
  /** Each order the job looks at gets its own span, so its lookups and repairs are one story in Jaeger. */
  const onOrder = (orderId: string, work: () => Promise<void>) =>
    tracer.startActiveSpan('reconcile.order', { attributes: { 'order.id': orderId } }, async (span) => {
      try {
        await work();
      } finally {
        span.end();
      }
    });
  const ledger = await ledgerSince(deps.urls, new Date(Date.now() - LEDGER_WINDOW_MS));
  const chargesOf = new Map<string, LedgerCharge[]>();
  for (const charge of ledger.filter((each) => each.status === 'CHARGED')) {
    chargesOf.set(charge.orderId, [...(chargesOf.get(charge.orderId) ?? []), charge]);
  }

  // 1. Overdue PENDING orders: learn the outcome from the provider, then settle the order to match.
  //    Payments resolves its own payments (it may charge one that never reached the provider, under
  //    its reference); storefront settles its own orders, and will not fail one it is still paying.
  for (const orderId of orderIds) {
    await onOrder(orderId, async () => {
      const payments: PaymentView[] = [];
      for (const payment of await paymentsOf(deps.urls, orderId)) {
        const unsettled = payment.status === 'PENDING' || payment.status === 'QUEUED';
        payments.push(unsettled ? await resolvePayment(deps.urls, payment.id) : payment);
      }
      const completed = payments.find((payment) => payment.status === 'COMPLETED');
      const charge = chargesOf.get(orderId)?.[0];
      if (completed || charge) {
        const paymentId = completed?.id ?? payments.find((payment) => payment.id === charge?.reference)?.id;
        const settled = await settleOrder(deps.urls, orderId, {
          status: 'PAID',
          paymentId,
          reason: 'charged at the provider',
        });
        if (settled.moved) {
          await act({
            orderId,
            action: 'complete',
            chargeId: completed?.providerChargeId ?? charge?.id,
            reason: 'pending, but the card was charged',
          });
        }
      } else if (payments.some((payment) => payment.status === 'PENDING' || payment.status === 'QUEUED')) {
        logger.info({ orderId }, 'reconciler: the charge is still being made; left for the next run');
      } else {
        const settled = await settleOrder(deps.urls, orderId, {
          status: 'FAILED',
          reason: 'no charge at the provider (reconciled)',
        });
        if (settled.moved)
          await act({ orderId, action: 'fail', reason: 'pending, and the provider has no charge' });
      }
    });
  }

  // 2. Compensation: give back what the shop does not stand behind.
  const charged = [...chargesOf.keys()];
  if (charged.length > 0) {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT o.id, o.status, p.provider_charge_id AS chargeId
         FROM ${orders} o
         LEFT JOIN \`${databaseName(deps.namespace, 'payments')}\`.payments p ON p.id = o.payment_id
        WHERE o.id IN (?)`,
      [charged],
    );
    for (const order of rows) {
      await onOrder(String(order.id), async () => {
        const charges = chargesOf.get(String(order.id)) ?? [];
        if (order.status === 'FAILED') {
          for (const charge of charges) {
            await refund(deps.urls, charge);
            await act({
              orderId: order.id,
              action: 'refund',
              chargeId: charge.id,
              reason: 'the order failed, but the card was charged',
            });
          }
        } else if (order.status === 'PAID' && charges.length > 1) {
          const keep = charges.find((charge) => charge.id === order.chargeId) ?? charges[0];
          for (const charge of charges.filter((each) => each !== keep)) {
            await refund(deps.urls, charge);
            await act({
              orderId: order.id,
              action: 'refund-duplicate',
              chargeId: charge.id,
              reason: `charged ${charges.length} times for one order; kept ${keep?.id}`,
            });
          }
        }
      });
    }
  }
  return result;
}
