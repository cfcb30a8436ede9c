/**
 * Lab 1, `http-timeouts` (payments → provider): how long one provider call may take. When the
 * provider hangs, a call without a deadline holds the charge, the checkout above it and the client
 * above that.
 */

/** One provider call may take this long with the fix; lookups by reference take twice that. */
export const PROVIDER_TIMEOUT_MS = 1_500;

/** Broken: as long as the provider takes. */
export function waitForProvider(): number | undefined {
  return undefined;
}

/**
 * Fixed: 1.5 s. Past it the call counts as failed (and, since it may have been processed, its
 * outcome as unknown): retried, failed over or left to the reconciler by the other lessons.
 */
export function giveUpOnProvider(): number | undefined {
  return PROVIDER_TIMEOUT_MS;
}

/** The lesson chosen by the `http-timeouts` flag's value. */
export const providerTimeoutMs = (httpTimeouts: boolean) =>
  (httpTimeouts ? giveUpOnProvider : waitForProvider)();
