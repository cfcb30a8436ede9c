import type { Logger } from '@incident-lab/telemetry';
import type { ShopDb } from '../db/shop-db';
import type { StorefrontMetrics } from '../metrics';
import { settleOrder } from '../orders/orders.repo';
import { type PaymentsApi, paymentsOfOrder } from '../orders/payments-client';

/**
 * Lab 3, `abandoned-payments`: what storefront does about checkout orders still PENDING long after
 * they were placed, with no payment at all: the hand-off to payments never happened (the
 * `checkout-handoff-lost` fault), or the customer never finished a step that needed them. The shop
 * keeps no stock, so there is nothing to release; in a shop that reserves stock, the fixed half
 * releases it in the same transaction.
 */
export interface AbandonedRun {
  db: ShopDb;
  payments: PaymentsApi;
  logger: Logger;
  metrics: StorefrontMetrics;
  /** An order with no payment this long after it was placed counts as abandoned. */
  afterS: number;
}

/** Orders looked at per run: a backlog is worked off over a few runs, never in one long transaction. */
const BATCH = 100;

/**
 * Broken: nobody looks. The order stays PENDING forever, the customer waits for a confirmation that
 * never comes, and no number counts it: orders go up, payments do not, every request was a success.
 */
export async function leavePending(_run: AbandonedRun): Promise<string[]> {
  return [];
}

/**
 * Fixed: each checkout order PENDING past the deadline, whose charge storefront is not still asking
 * for (no open charge request), is checked with payments; when payments has no payment for it, the
 * order fails with a reason the customer can read (nothing was charged), and is counted
 * (`shop_payments_abandoned_total`, the `PaymentsAbandoned` alert) and logged with its id. An order
 * payments knows of is left to payments and the reconciler. Returns the orders it abandoned.
 */
export async function expireAbandoned(run: AbandonedRun): Promise<string[]> {
  const candidates = await run.db.query<Array<{ id: string }>>(
    `SELECT id FROM orders o
      WHERE origin = 'checkout' AND status = 'PENDING' AND created_at < NOW(3) - INTERVAL ? SECOND
        AND NOT EXISTS (SELECT 1 FROM payment_requests r WHERE r.order_id = o.id AND r.state = 'OPEN')
      ORDER BY created_at LIMIT ${BATCH}`,
    [run.afterS],
  );
  const abandoned: string[] = [];
  for (const { id } of candidates) {
    if ((await paymentsOfOrder(run.payments, id)).length > 0) continue;
    const reason = `payment abandoned: no payment was started within ${run.afterS} s; nothing was charged`;
    const moved = await run.db.transaction((connection) =>
      settleOrder(connection, id, 'FAILED', { failureReason: reason }, { unlessRequestOpen: true }),
    );
    if (!moved) continue;
    abandoned.push(id);
    run.metrics.paymentsAbandoned.add(1);
    run.metrics.ordersSettled.add(1, { status: 'FAILED', by: 'abandoned' });
    run.logger.warn(
      { orderId: id, afterS: run.afterS },
      'order abandoned: no payment started in time; failed, the customer is told nothing was charged',
    );
  }
  return abandoned;
}

/** The lesson chosen by the `abandoned-payments` flag's value. */
export const onAbandonedOrders = (abandonedPayments: boolean) =>
  abandonedPayments ? expireAbandoned : leavePending;
