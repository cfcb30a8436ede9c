import {
  createBreaker,
  internalAuth,
  isRetryable,
  type JsonResponse,
  postJson,
  RetryBudget,
  ServerError,
  surelyNotProcessed,
} from '@incident-lab/http-client';
import { getMeter } from '@incident-lab/telemetry';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { IPolicy } from 'cockatiel';
import type { PaymentsFlags } from '../flags';
import { PROVIDER_TIMEOUT_MS, providerTimeoutMs } from '../lessons/http-timeouts';
import { attemptReference } from '../lessons/idempotency-keys';
import { type ProviderName, providerRoute } from '../lessons/provider-circuit-breaker';
import { retryPolicy } from '../lessons/retry-policy';

export type { ProviderName };

export interface ProviderCharge {
  /**
   * The idempotency reference the provider charges once. Without one (no idempotency keys), every
   * attempt goes out under a fresh reference: to the provider, each retry is a new purchase.
   */
  reference?: string;
  orderId: string;
  amountCents: number;
  customer: string;
}

/**
 * What came back from the provider: a charge, a refusal, an error that charged nothing (`unavailable`:
 * down, 5xx), or no answer at all (`unknown`: timed out or dropped; the card may have been charged).
 */
export type ProviderResult =
  | { outcome: 'charged'; chargeId: string; provider: ProviderName }
  | { outcome: 'declined'; reason: string; provider: ProviderName }
  | { outcome: 'unavailable'; reason: string; provider: ProviderName }
  | { outcome: 'unknown'; reason: string; provider: ProviderName };

const tracer = trace.getTracer('payments');
const attempts = getMeter('payments').createCounter('shop_provider_charge_attempts', {
  description: 'Charge calls payments sent to a provider (every retry counts), by provider.',
});

/**
 * Calls the provider the way the flags say: with or without a timeout, retrying immediately or with
 * backoff inside a budget, and with or without a circuit breaker that fails over to the backup.
 * "unknown" (no answer, a dropped connection) is the dangerous case: the card may or may not have
 * been charged.
 */
export class ProviderClient {
  private readonly budget = new RetryBudget();
  /** The breaker around the primary (`lessons/provider-circuit-breaker.ts`), kept across charges. */
  private readonly breaker = createBreaker('provider-primary');

  private readonly auth: { authorization: string };

  constructor(
    private readonly urls: Record<ProviderName, string>,
    internalToken: string,
  ) {
    this.auth = internalAuth(internalToken);
  }

  /** One try at one provider, as its own span carrying the attempt number. */
  private attempt(
    provider: ProviderName,
    charge: ProviderCharge,
    attempt: number,
    timeoutMs?: number,
  ): Promise<JsonResponse> {
    return tracer.startActiveSpan(
      'provider.charge attempt',
      { attributes: { 'shop.provider.name': provider, 'shop.retry.attempt': attempt } },
      async (span) => {
        const sent = { ...charge, reference: attemptReference(charge.reference) };
        attempts.add(1, { provider });
        span.setAttribute('shop.payment.reference', sent.reference);
        try {
          const answer = await postJson(new URL('/charges', this.urls[provider]), sent, {
            timeoutMs,
            headers: this.auth,
            resendCount: attempt - 1,
          });
          if (answer.headers.get('idempotent-replayed') === 'true')
            span.setAttribute('shop.charge.replayed', true);
          if (answer.status >= 500) throw new ServerError(answer.status);
          return answer;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /** One retry policy per mode and provider, made on first use and kept (its listeners count retries). */
  private readonly policies = new Map<string, IPolicy>();

  private async withRetries(
    provider: ProviderName,
    charge: ProviderCharge,
    flags: PaymentsFlags,
    timeoutMs?: number,
  ) {
    const key = `${flags['retry-policy']}:${provider}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = retryPolicy(flags)(`provider-${provider}`, this.budget);
      this.policies.set(key, policy);
    }
    let attempt = 0;
    return policy.execute(() => this.attempt(provider, charge, ++attempt, timeoutMs));
  }

  /**
   * Charges under the flags of the request, message or run asking (`flags`, its snapshot): with the
   * timeout of `lessons/http-timeouts.ts`, the retries of `lessons/retry-policy.ts` and the route of
   * `lessons/provider-circuit-breaker.ts`.
   */
  async charge(charge: ProviderCharge, flags: PaymentsFlags): Promise<ProviderResult> {
    const timeoutMs = providerTimeoutMs(flags);
    this.budget.recordCall();
    let provider: ProviderName = 'primary';
    try {
      const routed = await providerRoute(flags)({
        call: (to) => {
          provider = to;
          return this.withRetries(to, charge, flags, timeoutMs);
        },
        reference: charge.reference,
        breaker: this.breaker,
      });
      const answer = routed.answer;
      if ((answer.status === 201 || answer.status === 200) && typeof answer.body.chargeId === 'string') {
        return { outcome: 'charged', chargeId: answer.body.chargeId, provider };
      }
      return {
        outcome: 'declined',
        reason: String(answer.body.detail ?? `provider answered ${answer.status}`),
        provider,
      };
    } catch (error) {
      if (!isRetryable(error as Error)) throw error;
      if (error instanceof ServerError)
        return { outcome: 'unavailable', reason: `provider answered ${error.status}`, provider };
      // Refused: nothing reached the provider, so nothing was charged.
      if (surelyNotProcessed(error))
        return { outcome: 'unavailable', reason: (error as Error).message, provider };
      return { outcome: 'unknown', reason: (error as Error).message, provider };
    }
  }

  /** Asks both providers what they charged under a reference: the truth when an answer was lost. */
  async findCharge(reference: string): Promise<{ chargeId: string; provider: ProviderName } | undefined> {
    for (const provider of ['primary', 'backup'] as const) {
      const url = new URL('/charges', this.urls[provider]);
      url.searchParams.set('reference', reference);
      const response = await fetch(url, {
        headers: this.auth,
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS * 2),
      });
      if (!response.ok) throw new Error(`provider ${provider} answered ${response.status} to a lookup`);
      const { charges } = (await response.json()) as { charges: Array<{ id: string; status: string }> };
      const charged = charges.find((charge) => charge.status === 'CHARGED');
      if (charged) return { chargeId: charged.id, provider };
    }
    return undefined;
  }
}
