/**
 * Lab 2, `idempotency-keys` (checkout): what makes a retried purchase the same purchase. A client
 * retries when the answer did not come back, and checkout retries payments when its answer did not:
 * without a key, each try is a new order and a new charge.
 */
export interface CheckoutKeys {
  /** Checkout needs an `Idempotency-Key` and runs once per key (service-kit's `idempotent()`). */
  requireKey: boolean;
  /** The key storefront sends payments for an order's charge, the same on every try. */
  paymentsKey(orderId: string): string | undefined;
  /**
   * No usable answer from payments: fail the order, or keep it PENDING and owe payments the charge
   * request (`payment_requests`, written with the order, asked again by the relay).
   */
  noAnswer: 'fail-the-order' | 'keep-asking';
}

/**
 * Broken: no key. A client's retry is a second order; checkout's retries to payments are second
 * charges; an answer that never came back fails the order, though the card may have been charged.
 */
export const withoutKeys: CheckoutKeys = {
  requireKey: false,
  paymentsKey: () => undefined,
  noAnswer: 'fail-the-order',
};

/**
 * Fixed: a key per purchase. A retry finds the order the first try made (its recovery point) and
 * asks payments again under the order id, so payments charges once; an unknown outcome keeps the
 * order PENDING and its charge request open until payments answers one it stands behind.
 */
export const withKeys: CheckoutKeys = {
  requireKey: true,
  paymentsKey: (orderId) => orderId,
  noAnswer: 'keep-asking',
};

/** The lesson chosen by the `idempotency-keys` flag's value. */
export const checkoutKeys = (idempotencyKeys: boolean): CheckoutKeys =>
  idempotencyKeys ? withKeys : withoutKeys;
