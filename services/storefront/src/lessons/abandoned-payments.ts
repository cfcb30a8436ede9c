import type { Logger } from '@incident-lab/telemetry';

/**
 * Lab 3, `abandoned-payments`: what storefront does about checkout orders still PENDING long after
 * they were placed, with no payment at all: the hand-off to payments never happened (the
 * `checkout-handoff-lost` fault), or the customer never finished a step that needed them. The shop
 * keeps no stock, so there is nothing to release; in a shop that reserves stock, the fixed half
 * releases it with the order.
 */
export interface AbandonedRun {
  /** An order with no payment this long after it was placed counts as abandoned. */
  afterS: number;
  /** Checkout orders PENDING for longer than `afterS`, whose charge storefront is not still asking for. */
  overdueOrders(): Promise<string[]>;
  /** Whether payments holds a payment for the order (throws when payments cannot say). */
  paymentExists(orderId: string): Promise<boolean>;
  /** Fails the order with the reason, if it is still PENDING; whether it moved. */
  failOrder(orderId: string, reason: string): Promise<boolean>;
  /** Counts one abandoned order (`shop_payments_abandoned_total`). */
  countAbandoned(): void;
  logger: Logger;
}

/**
 * Broken: nobody looks. The order stays PENDING forever, the customer waits for a confirmation that
 * never comes, and no number counts it: orders go up, payments do not, every request was a success.
 */
export async function leavePending(_run: AbandonedRun): Promise<string[]> {
  return [];
}

/**
 * Fixed: each overdue order is checked with payments; when payments has no payment for it, the order
 * fails with a reason the customer can read (nothing was charged), and is counted (the
 * `PaymentsAbandoned` alert) and logged with its id. An order payments knows of is left to payments
 * and the reconciler. Returns the orders it abandoned.
 */
export async function expireAbandoned(run: AbandonedRun): Promise<string[]> {
  const abandoned: string[] = [];
  for (const orderId of await run.overdueOrders()) {
    if (await run.paymentExists(orderId)) continue;
    const reason = `payment abandoned: no payment was started within ${run.afterS} s; nothing was charged`;
    if (!(await run.failOrder(orderId, reason))) continue;
    abandoned.push(orderId);
    run.countAbandoned();
    run.logger.warn(
      { orderId, afterS: run.afterS },
      'order abandoned: no payment started in time; failed, the customer is told nothing was charged',
    );
  }
  return abandoned;
}

/** The lesson chosen by the `abandoned-payments` flag's value. */
export const onAbandonedOrders = (abandonedPayments: boolean) =>
  abandonedPayments ? expireAbandoned : leavePending;
