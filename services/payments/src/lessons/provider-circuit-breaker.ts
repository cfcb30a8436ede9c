import {
  BrokenCircuitError,
  type CircuitBreaker,
  isRetryable,
  type JsonResponse,
} from '@incident-lab/http-client';
import { trace } from '@opentelemetry/api';

/**
 * Lab 1, `provider-circuit-breaker`: where a charge goes while the primary provider is failing.
 */
export type ProviderName = 'primary' | 'backup';

export interface Route {
  /** One call (with its retries) to one provider. */
  call(provider: ProviderName): Promise<JsonResponse>;
  /** The charge's reference at the provider, when it has one (`idempotency-keys`). */
  reference?: string;
  /** The breaker around the primary, kept by the client across charges. */
  breaker: CircuitBreaker;
  /**
   * True when the primary surely never took the reference: no attempt of this call may have
   * reached it (each was refused, answered `provider-down` or kept back by the breaker) and no other call ever
   * went there, in this process or one that died (payments' database counts them). The charge then
   * moves to the backup for good.
   */
  primaryNeverTookIt(): Promise<boolean>;
}

/**
 * Broken: always to the primary. While it is down every charge waits for it, retries against it and
 * fails; nothing ever tries the backup.
 */
export async function primaryOnly(route: Route): Promise<{ answer: JsonResponse; provider: ProviderName }> {
  return { answer: await route.call('primary'), provider: 'primary' };
}

/**
 * Fixed: through a breaker that opens after five failures in a row; while it is open, charges fail
 * at once instead of waiting, and go to the backup. After 5 s it lets one probe through (half-open).
 * One exception keeps it safe: the backup is another ledger, so a charge under a reference the
 * primary may have taken (an answer lost in this call, a 5xx after its commit, an earlier call by a
 * process that was killed) would be charged again there. Only a charge the primary surely never took fails over; the
 * rest waits for the primary, the worker or the reconciler.
 */
export async function breakerWithFailover(
  route: Route,
): Promise<{ answer: JsonResponse; provider: ProviderName }> {
  try {
    return { answer: await route.breaker.execute(() => route.call('primary')), provider: 'primary' };
  } catch (error) {
    if (!(error instanceof BrokenCircuitError) && !isRetryable(error as Error)) throw error;
    if (route.reference && !(await route.primaryNeverTookIt())) {
      trace.getActiveSpan()?.addEvent('not failing over: the primary may have charged this reference');
      throw error;
    }
    trace
      .getActiveSpan()
      ?.addEvent('failing over to the backup provider', { 'shop.failover.reason': (error as Error).message });
    return { answer: await route.call('backup'), provider: 'backup' };
  }
}

/** The lesson chosen by the `provider-circuit-breaker` flag's value. */
export const providerRoute = (circuitBreaker: boolean) =>
  circuitBreaker ? breakerWithFailover : primaryOnly;
