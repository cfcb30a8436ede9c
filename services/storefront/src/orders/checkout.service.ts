import { randomUUID } from 'node:crypto';
import type { FlagReader } from '@incident-lab/flags';
import { AppError } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import type { ShopDb } from '../db/shop-db';
import type { StorefrontMetrics } from '../metrics';
import { insertPendingOrder, priceProducts, settleOrder } from './orders.repo';
import type { CheckoutRequest } from './orders.schema';
import { requestCharge } from './payments-client';

export interface CheckoutDeps {
  db: ShopDb;
  paymentsUrl: string;
  logger: Logger;
  metrics: StorefrontMetrics;
  flags: FlagReader;
}

/** With `http-timeouts` on, checkout waits this long for payments (which waits 1.5 s per provider call). */
export const PAYMENTS_TIMEOUT_MS = 4_000;

export interface CheckoutResult {
  orderId: string;
  status: 'PENDING' | 'PAID' | 'FAILED';
  totalCents: number;
  paymentId?: string;
  failureReason?: string;
}

/**
 * Checkout: record the order as PENDING, ask payments to charge it, then record what payments said.
 * The order row and the payment live in two databases, so no transaction covers both: an order can
 * stay PENDING when the answer is lost (the partial-failure lab is about exactly that gap).
 */
export async function checkout(
  deps: CheckoutDeps,
  userId: number,
  customer: string,
  request: CheckoutRequest,
) {
  const productIds = [...new Set(request.items.map((item) => item.productId))];
  const prices = await priceProducts(deps.db, productIds);
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
  await insertPendingOrder(deps.db, { id: orderId, userId, totalCents, items });
  deps.metrics.ordersCreated.add(1);
  deps.logger.info({ orderId, userId, totalCents }, 'order created; asking payments to charge it');

  const [timeouts, keys] = await Promise.all([
    deps.flags.bool('http-timeouts'),
    deps.flags.bool('idempotency-keys'),
  ]);
  const outcome = await requestCharge(
    deps.paymentsUrl,
    { orderId, amountCents: totalCents, customer },
    // One payment per order: the order id is the key, so every retry asks for the same charge.
    { timeoutMs: timeouts ? PAYMENTS_TIMEOUT_MS : undefined, idempotencyKey: keys ? orderId : undefined },
  );
  // Broken: no answer counts as a failed payment, though the card may be charged.
  // Fixed: an unknown outcome stays PENDING; the payment event or the reconciler settles it.
  if (outcome.status === 'QUEUED' || (outcome.status === 'UNKNOWN' && keys)) {
    const paymentId = 'paymentId' in outcome ? outcome.paymentId : undefined;
    deps.logger.info(
      { orderId, paymentId, outcome: outcome.status },
      'charge outcome not known yet; order stays PENDING until the event or the reconciler',
    );
    return { orderId, status: 'PENDING', totalCents, paymentId } satisfies CheckoutResult;
  }
  const status = outcome.status === 'COMPLETED' ? 'PAID' : 'FAILED';
  const failureReason = outcome.status === 'COMPLETED' ? undefined : outcome.reason;
  const paymentId = 'paymentId' in outcome ? outcome.paymentId : undefined;
  if (await settleOrder(deps.db, orderId, status, { paymentId, failureReason })) {
    deps.metrics.ordersSettled.add(1, { status, by: 'checkout' });
  }
  deps.logger.info({ orderId, paymentId, status, failureReason }, 'order settled by checkout');
  return {
    orderId,
    status,
    totalCents,
    paymentId,
    failureReason,
  } satisfies CheckoutResult;
}
