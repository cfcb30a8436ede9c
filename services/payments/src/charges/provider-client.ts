import { randomUUID } from 'node:crypto';
import type { FlagReader } from '@incident-lab/flags';
import {
  BrokenCircuitError,
  createBreaker,
  internalAuth,
  isRetryable,
  type JsonResponse,
  postJson,
  RetryBudget,
  type RetryingPolicy,
  type RetryMode,
  retryPolicy,
  ServerError,
  surelyNotProcessed,
} from '@incident-lab/http-client';
import { getMeter } from '@incident-lab/telemetry';
import { SpanStatusCode, trace } from '@opentelemetry/api';

export type ProviderName = 'primary' | 'backup';

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

/** With `http-timeouts` on, one provider call may take this long. */
export const PROVIDER_TIMEOUT_MS = 1_500;

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
  private readonly breaker = createBreaker('provider-primary');

  private readonly auth: { authorization: string };

  constructor(
    private readonly urls: Record<ProviderName, string>,
    private readonly flags: FlagReader,
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
      { attributes: { 'provider.name': provider, 'retry.attempt': attempt } },
      async (span) => {
        const sent = { ...charge, reference: charge.reference ?? randomUUID() };
        attempts.add(1, { provider });
        span.setAttribute('payment.reference', sent.reference);
        try {
          const answer = await postJson(new URL('/charges', this.urls[provider]), sent, {
            timeoutMs,
            headers: this.auth,
          });
          if (answer.headers.get('idempotent-replayed') === 'true')
            span.setAttribute('charge.replayed', true);
          span.setAttribute('http.response.status_code', answer.status);
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
  private readonly policies = new Map<string, RetryingPolicy>();

  private async withRetries(
    provider: ProviderName,
    charge: ProviderCharge,
    mode: RetryMode,
    timeoutMs?: number,
  ) {
    const key = `${mode}:${provider}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = retryPolicy(mode, `provider-${provider}`, this.budget);
      this.policies.set(key, policy);
    }
    let attempt = 0;
    return policy.execute(() => this.attempt(provider, charge, ++attempt, timeoutMs));
  }

  async charge(charge: ProviderCharge): Promise<ProviderResult> {
    const [timeouts, mode, breakerOn] = await Promise.all([
      this.flags.bool('http-timeouts'),
      this.flags.string<RetryMode>('retry-policy'),
      this.flags.bool('provider-circuit-breaker'),
    ]);
    const timeoutMs = timeouts ? PROVIDER_TIMEOUT_MS : undefined;
    this.budget.recordCall();
    let provider: ProviderName = 'primary';
    try {
      let answer: JsonResponse;
      if (!breakerOn) {
        answer = await this.withRetries('primary', charge, mode, timeoutMs);
      } else {
        try {
          answer = await this.breaker.execute(() => this.withRetries('primary', charge, mode, timeoutMs));
        } catch (error) {
          if (!(error instanceof BrokenCircuitError) && !isRetryable(error as Error)) throw error;
          // Under a stable reference, a charge whose answer was lost may have gone through at the
          // primary: the backup, another provider, would charge the card a second time. Only a charge
          // the primary surely never took goes to the backup; the rest stays unknown for the reconciler.
          if (charge.reference && !surelyNotProcessed(error)) throw error;
          trace
            .getActiveSpan()
            ?.addEvent('failing over to the backup provider', { reason: (error as Error).message });
          provider = 'backup';
          answer = await this.withRetries('backup', charge, mode, timeoutMs);
        }
      }
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
