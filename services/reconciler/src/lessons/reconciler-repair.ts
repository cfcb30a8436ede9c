import { databaseName } from '@incident-lab/config';
import type { Pool } from '@incident-lab/db';
import { isDuplicateKeyError, type RowDataPacket } from '@incident-lab/db';
import type { Logger } from '@incident-lab/telemetry';
import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';

/**
 * Lab 2, `reconciler-repair`: what the reconciler does about orders still PENDING past the grace
 * period, and about charges the shop does not stand behind. No transaction spans the shop and the
 * provider; this job is what closes the gap after the fact.
 */
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

/** A charge in a provider's ledger: the customer's truth. */
export interface LedgerCharge {
  id: string;
  reference: string;
  orderId: string;
  status: 'CHARGED' | 'REFUNDED';
  createdAt: string;
  provider: 'primary' | 'backup';
}

export interface PaymentView {
  id: string;
  status: 'PENDING' | 'QUEUED' | 'COMPLETED' | 'FAILED';
  providerChargeId: string | null;
}

export interface Settlement {
  status: 'PAID' | 'FAILED';
  paymentId?: string;
  reason: string;
}

/**
 * The shop as the repair reaches it, through the services that own each thing
 * (`jobs/shop-apis.ts`): the providers' ledgers and refunds, payments' payments, storefront's orders.
 */
export interface ShopApi {
  /** Every charge both providers recorded since `since`. */
  ledgerSince(since: Date): Promise<LedgerCharge[]>;
  refund(charge: LedgerCharge): Promise<void>;
  paymentsOf(orderId: string): Promise<PaymentView[]>;
  /** Payments asks the provider by the payment's reference and records what really happened. */
  resolvePayment(paymentId: string): Promise<PaymentView>;
  /** `moved` is false when it was settled already, or storefront is still asking payments to charge it. */
  settleOrder(orderId: string, settlement: Settlement): Promise<{ moved: boolean; status: string }>;
}

export interface OverdueRun {
  pool: Pool;
  namespace: string;
  logger: Logger;
  shop: ShopApi;
  /** Checkout orders PENDING past the grace period. */
  orderIds: string[];
  result: ReconcileResult;
  /** storefront's orders table and the reconciler's actions table, named in full. */
  orders: string;
  actionsTable: string;
}

/** How far back the job reads the providers' ledgers. */
const LEDGER_WINDOW_MS = 24 * 60 * 60 * 1000;

const tracer = trace.getTracer('reconciler');
const actionsTaken = getMeter('reconciler').createCounter('shop_reconciler_actions', {
  description: 'Repairs the reconciler made, by action: complete, fail, refund, refund-duplicate.',
});
// Every action starts at 0, so a dashboard shows "none yet" rather than "no data".
for (const action of ['complete', 'fail', 'refund', 'refund-duplicate'] satisfies ActionKind[])
  actionsTaken.add(0, { action });

/**
 * Broken: report only. The overdue orders are counted (`shop_orders_pending`) and logged; the
 * customers stay charged for orders that say FAILED or PENDING, or charged twice.
 */
export async function reportOnly({ logger, orderIds, result }: OverdueRun): Promise<ReconcileResult> {
  if (orderIds.length > 0)
    logger.warn({ orderIds, count: orderIds.length }, 'orders pending past the grace period (repair is off)');
  return result;
}

/**
 * Fixed: repair and compensate, from the provider's ledger (the customer's truth).
 *
 * 1. An overdue PENDING order: payments resolves its payment by reference (charging it under that
 *    reference if the provider never saw it), then storefront settles the order to match: PAID when the
 *    card was charged (`complete`), FAILED when not (`fail`); storefront will not fail one it is still
 *    paying.
 * 2. Compensation: a FAILED order whose card was charged is refunded (`refund`); a PAID order charged
 *    more than once keeps one charge and the others are refunded (`refund-duplicate`).
 *
 * Every action is conditional and recorded once (unique key), so a second run repairs nothing twice.
 */
export async function repairAndCompensate({
  pool,
  namespace,
  logger,
  shop,
  orderIds,
  result,
  orders,
  actionsTable,
}: OverdueRun): Promise<ReconcileResult> {
  result.repaired = true;

  /** Records an action once; the current `reconcile.order` span carries it. */
  const act = async (action: Action) => {
    trace.getActiveSpan()?.setAttributes({
      'shop.reconcile.action': action.action,
      'shop.reconcile.reason': action.reason,
      ...(action.chargeId ? { 'shop.charge.id': action.chargeId } : {}),
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
    tracer.startActiveSpan('reconcile.order', { attributes: { 'shop.order.id': orderId } }, async (span) => {
      try {
        await work();
      } finally {
        span.end();
      }
    });
  const ledger = await shop.ledgerSince(new Date(Date.now() - LEDGER_WINDOW_MS));
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
      for (const payment of await shop.paymentsOf(orderId)) {
        const unsettled = payment.status === 'PENDING' || payment.status === 'QUEUED';
        payments.push(unsettled ? await shop.resolvePayment(payment.id) : payment);
      }
      const completed = payments.find((payment) => payment.status === 'COMPLETED');
      const charge = chargesOf.get(orderId)?.[0];
      if (completed || charge) {
        const paymentId = completed?.id ?? payments.find((payment) => payment.id === charge?.reference)?.id;
        const settled = await shop.settleOrder(orderId, {
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
        const settled = await shop.settleOrder(orderId, {
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
         LEFT JOIN \`${databaseName(namespace, 'payments')}\`.payments p ON p.id = o.payment_id
        WHERE o.id IN (?)`,
      [charged],
    );
    for (const order of rows) {
      await onOrder(String(order.id), async () => {
        const charges = chargesOf.get(String(order.id)) ?? [];
        if (order.status === 'FAILED') {
          for (const charge of charges) {
            await shop.refund(charge);
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
            await shop.refund(charge);
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

/** The lesson chosen by the `reconciler-repair` flag's value. */
export const reconcilerMode = (reconcilerRepair: boolean) =>
  reconcilerRepair ? repairAndCompensate : reportOnly;
