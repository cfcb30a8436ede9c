import { randomUUID } from 'node:crypto';
import { AppError, type KeyProgress } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import type { Catalogue } from '../catalogue/catalogue';
import type { ShopDb } from '../db/shop-db';
import type { StorefrontFlags } from '../flags';
import { paymentsTimeoutMs } from '../lessons/http-timeouts';
import { type CheckoutKeys, checkoutKeys } from '../lessons/idempotency-keys';
import type { StorefrontMetrics } from '../metrics';
import { handoffLost } from './handoff-fault';
import { findOrder, insertPendingOrder, type Order, recordAnswer, settleOrder } from './orders.repo';
import type { CheckoutRequest } from './orders.schema';
import { closePaymentRequest, openPaymentRequest, retryPaymentRequest } from './payment-requests.repo';
import { type ChargeOutcome, type PaymentsApi, requestCharge } from './payments-client';

export interface CheckoutDeps {
  db: ShopDb;
  /** Where checkout takes its prices (lessons/cache-write-checks.ts says from which store). */
  catalogue: Catalogue;
  payments: PaymentsApi;
  logger: Logger;
  metrics: StorefrontMetrics;
  /** The flags of this request, as service-kit took them when it arrived. */
  flags: StorefrontFlags;
  /** How long storefront keeps asking payments to charge an order it answered 202 for. */
  paymentRequestDeadlineS: number;
}

/** The relay leaves a fresh charge request to checkout itself for this long (checkout's own tries). */
const RELAY_WAITS_S = 30;
/** After checkout got no usable answer, the relay asks again this soon. */
const RELAY_RETRY_S = 2;

export interface CheckoutResult {
  orderId: string;
  status: 'PENDING' | 'PAID' | 'FAILED';
  totalCents: number;
  paymentId?: string;
  failureReason?: string;
}

/** Who is buying, and the Idempotency-Key they sent for this purchase (`<user id>:<key>`), if any. */
export interface Purchase {
  userId: number;
  customer: string;
  purchaseKey: string | null;
}

/** An order as checkout reports it. */
export function resultOf(order: Order): CheckoutResult {
  return {
    orderId: order.id,
    status: order.status,
    totalCents: order.totalCents,
    paymentId: order.paymentId ?? undefined,
    failureReason: order.failureReason ?? undefined,
  };
}

/**
 * Checkout: record the order as PENDING, ask payments to charge it, then record what payments said.
 * The order row and the payment live in two databases, so no transaction covers both: an order can
 * stay PENDING when the answer is lost (the partial-failure lab is about exactly that gap).
 *
 * With an Idempotency-Key (`progress` from service-kit's `idempotent()`), checkout is made of atomic
 * phases. The order, the charge request storefront now owes payments, and the recovery point naming
 * the order id commit in one transaction; a retry after a crash or a 5xx finds that order and asks
 * payments again under the same key (the order id), so the card is charged once. Without a key every
 * request is a new purchase with a new order id: a retry makes a second order and a second charge.
 */
export async function checkout(
  deps: CheckoutDeps,
  purchase: Purchase,
  request: CheckoutRequest,
  progress: KeyProgress,
): Promise<CheckoutResult> {
  // What this request does about keys, from its flags (the idempotent() edge read the same snapshot).
  const keys = checkoutKeys(deps.flags['idempotency-keys']);
  const resumed = progress.ids.orderId ? await findOrder(deps.db, progress.ids.orderId) : undefined;
  if (progress.ids.orderId && !resumed)
    throw new Error(`order ${progress.ids.orderId} on the key is missing`);
  // A retry of a purchase that has ended meanwhile (by the payment event or the relay) gets its end.
  const result =
    resumed && resumed.status !== 'PENDING'
      ? resultOf(resumed)
      : resumed
        ? await chargeOrder(deps, purchase, { orderId: resumed.id, totalCents: resumed.totalCents }, keys)
        : await chargeNewOrder(
            deps,
            purchase,
            await createOrder(deps, purchase, request, progress, keys),
            keys,
          );
  await recordAnswer(deps.db, result.orderId, result.status);
  return result;
}

/** A new order goes to payments, unless the `checkout-handoff-lost` fault loses it on the way. */
async function chargeNewOrder(
  deps: CheckoutDeps,
  purchase: Purchase,
  order: { orderId: string; totalCents: number },
  keys: CheckoutKeys,
): Promise<CheckoutResult> {
  if (handoffLost(deps.flags['checkout-handoff-lost'], purchase.customer)) {
    return { ...order, status: 'PENDING' };
  }
  return chargeOrder(deps, purchase, order, keys);
}

async function chargeOrder(
  deps: CheckoutDeps,
  purchase: Purchase,
  order: { orderId: string; totalCents: number },
  keys: CheckoutKeys,
): Promise<CheckoutResult> {
  // The order id on the checkout span: the console and Jaeger find a checkout's trace by it.
  trace.getActiveSpan()?.setAttribute('shop.order.id', order.orderId);
  const outcome = await requestCharge(
    deps.payments,
    { orderId: order.orderId, amountCents: order.totalCents, customer: purchase.customer },
    // One payment per order: the order id is the key, so every retry asks for the same charge.
    {
      timeoutMs: paymentsTimeoutMs(deps.flags['http-timeouts']),
      idempotencyKey: keys.paymentsKey(order.orderId),
    },
  );
  return recordOutcome(deps, order, outcome, keys);
}

async function createOrder(
  deps: CheckoutDeps,
  purchase: Purchase,
  request: CheckoutRequest,
  progress: KeyProgress,
  keys: CheckoutKeys,
) {
  const productIds = [...new Set(request.items.map((item) => item.productId))];
  const prices = await deps.catalogue.checkoutPrices(productIds, deps.flags);
  const unknown = request.items.flatMap((item, index) => (prices.has(item.productId) ? [] : [index]));
  if (unknown.length > 0) {
    throw new AppError({
      status: 422,
      code: 'unknown-product',
      title: 'The order names products that do not exist',
      invalidParams: unknown.map((index) => ({
        name: `items.${index}.productId`,
        reason: 'no such product',
      })),
    });
  }
  if (productIds.length !== request.items.length) {
    throw new AppError({
      status: 422,
      code: 'duplicate-product',
      title: 'Each product may appear once; use quantity for more',
    });
  }

  const orderId = randomUUID();
  const items = request.items.map((item) => ({ ...item, priceCents: prices.get(item.productId) as number }));
  const totalCents = items.reduce((sum, item) => sum + item.quantity * item.priceCents, 0);
  await deps.db.transaction(async (connection) => {
    await insertPendingOrder(connection, {
      id: orderId,
      userId: purchase.userId,
      totalCents,
      items,
      purchaseKey: purchase.purchaseKey,
    });
    // With keys, the charge storefront now owes payments is written with the order: a 202 is a promise.
    if (keys.noAnswer === 'keep-asking') {
      await openPaymentRequest(
        connection,
        { orderId, amountCents: totalCents, customer: purchase.customer },
        { firstAttemptInS: RELAY_WAITS_S, deadlineS: deps.paymentRequestDeadlineS },
      );
    }
    await progress.record(connection, 'order-created', { orderId });
  });
  deps.metrics.ordersCreated.add(1);
  deps.logger.info(
    { orderId, userId: purchase.userId, totalCents },
    'order created; asking payments to charge it',
  );
  return { orderId, totalCents };
}

/**
 * Broken: no answer counts as a failed payment, though the card may be charged. Fixed: an unknown
 * outcome stays PENDING, and the charge request stays open for the relay to ask again; an answer
 * payments stands behind (paid, queued, failed) closes it in the transaction that settles the order.
 */
async function recordOutcome(
  deps: CheckoutDeps,
  order: { orderId: string; totalCents: number },
  outcome: ChargeOutcome,
  keys: CheckoutKeys,
): Promise<CheckoutResult> {
  const keepAsking = keys.noAnswer === 'keep-asking';
  const { orderId } = order;
  const paymentId = 'paymentId' in outcome ? outcome.paymentId : undefined;
  if (outcome.status === 'QUEUED' || (outcome.status === 'UNKNOWN' && keepAsking)) {
    if (keepAsking) {
      await deps.db.transaction((connection) =>
        outcome.status === 'QUEUED'
          ? closePaymentRequest(connection, orderId, 'ANSWERED')
          : retryPaymentRequest(connection, orderId, RELAY_RETRY_S, outcome.reason),
      );
    }
    deps.logger.info(
      { orderId, paymentId, outcome: outcome.status },
      keepAsking && outcome.status === 'UNKNOWN'
        ? 'no answer from payments; order stays PENDING and the relay asks again with the same key'
        : 'charge outcome not known yet; order stays PENDING until the event or the reconciler',
    );
    // The answer names the payment payments made, though the order does not point at it yet.
    const now = await findOrder(deps.db, orderId);
    const result: CheckoutResult = now ? resultOf(now) : { ...order, status: 'PENDING' };
    return { ...result, paymentId: result.paymentId ?? paymentId };
  }
  const status = outcome.status === 'COMPLETED' ? 'PAID' : 'FAILED';
  const failureReason = outcome.status === 'COMPLETED' ? undefined : outcome.reason;
  const moved = await deps.db.transaction(async (connection) => {
    const settled = await settleOrder(connection, orderId, status, { paymentId, failureReason });
    if (keepAsking) await closePaymentRequest(connection, orderId, 'ANSWERED');
    return settled;
  });
  if (!moved) {
    // Settled meanwhile (by the payment event): the order says how it ended.
    const now = await findOrder(deps.db, orderId);
    if (now) return resultOf(now);
  }
  deps.metrics.ordersSettled.add(1, { status, by: 'checkout' });
  deps.logger.info({ orderId, paymentId, status, failureReason }, 'order settled by checkout');
  return { ...order, status, paymentId, failureReason };
}
