import {
  BrokenCircuitError,
  type CircuitBreaker,
  isRetryable,
  type JsonResponse,
  surelyNotProcessed,
} from '@incident-lab/http-client';
import { trace } from '@opentelemetry/api';
import type { PaymentsFlags } from '../flags';

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
 * One exception keeps it safe: a charge under a reference whose answer was lost may have gone through
 * at the primary, and the backup (another provider) would charge the card again, so only a charge
 * the primary surely never took fails over; the rest stays unknown for the reconciler.
 */
export async function breakerWithFailover(
  route: Route,
): Promise<{ answer: JsonResponse; provider: ProviderName }> {
  try {
    return { answer: await route.breaker.execute(() => route.call('primary')), provider: 'primary' };
  } catch (error) {
    if (!(error instanceof BrokenCircuitError) && !isRetryable(error as Error)) throw error;
    if (route.reference && !surelyNotProcessed(error)) throw error;
    trace
      .getActiveSpan()
      ?.addEvent('failing over to the backup provider', { 'shop.failover.reason': (error as Error).message });
    return { answer: await route.call('backup'), provider: 'backup' };
  }
}

export const providerRoute = (flags: PaymentsFlags) =>
  flags['provider-circuit-breaker'] ? breakerWithFailover : primaryOnly;
