import { randomUUID } from 'node:crypto';

/**
 * Lab 2, `idempotency-keys` (payments → provider): what tells the provider that two charge calls
 * are the same purchase. Payments retries a provider call whose answer was lost, storefront retries
 * payments, the worker and the reconciler call again: the provider charges once per reference.
 */
export interface ChargeIdentity {
  /** `POST /payments` needs an `Idempotency-Key` and runs once per key (service-kit's `idempotent()`). */
  requireKey: boolean;
  /** The reference a new payment is known by at the provider, fixed once when the payment is made. */
  referenceFor(paymentId: string): string | null;
}

/**
 * Broken: no reference of its own. Each attempt goes out under a fresh one (`attemptReference`), so
 * to the provider every retry is a new purchase and the card is charged again; and a lost answer
 * cannot be looked up, so it is recorded as a failure though the card may have been charged.
 */
export const withoutKeys: ChargeIdentity = { requireKey: false, referenceFor: () => null };

/**
 * Fixed: the payment id is the reference, fixed when the payment is made (in the transaction that
 * records the key's recovery point). Every retry, the worker's and the reconciler's calls go out
 * under it, and the provider answers with the charge it already made. A lost answer leaves the
 * payment PENDING: the reconciler asks the provider by reference what really happened.
 */
export const withKeys: ChargeIdentity = { requireKey: true, referenceFor: (paymentId) => paymentId };

/** The lesson chosen by the `idempotency-keys` flag's value. */
export const chargeIdentity = (idempotencyKeys: boolean): ChargeIdentity =>
  idempotencyKeys ? withKeys : withoutKeys;

/** The reference one attempt goes out under: the payment's, or (it has none) a fresh one each time. */
export function attemptReference(reference: string | undefined): string {
  return reference ?? randomUUID();
}
