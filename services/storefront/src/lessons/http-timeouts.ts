/**
 * Lab 1, `http-timeouts` (storefront → payments): how long checkout waits for payments. Payments
 * waits on the provider; when the provider hangs, every checkout hangs with it.
 */

/** Broken: as long as payments takes. A hanging provider holds every checkout and its client. */
export function waitForPayments(): number | undefined {
  return undefined;
}

/**
 * Fixed: 4 s (payments gives each provider call 1.5 s): past it the outcome is unknown, and checkout
 * says so instead of hanging. With `idempotency-keys` the order stays PENDING and is asked about again.
 */
export function giveUpOnPayments(): number | undefined {
  return PAYMENTS_TIMEOUT_MS;
}

/** The fixed wait, also what the payment-request relay always uses (it runs only with keys, a fix). */
export const PAYMENTS_TIMEOUT_MS = 4_000;

/** The lesson chosen by the `http-timeouts` flag's value. */
export const paymentsTimeoutMs = (httpTimeouts: boolean) =>
  (httpTimeouts ? giveUpOnPayments : waitForPayments)();
