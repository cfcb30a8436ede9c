import type { Pool } from '@incident-lab/db';
import {
  BrokenCircuitError,
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
import { countPrimaryCall, moveToBackup } from './payments.repo';

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

/** What one charge call sent: whether it counted a call to the primary, whether any attempt may have charged. */
interface CallRecord {
  primaryCalls: number;
  mayHaveCharged: boolean;
}

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

  /**
   * @param pool payments' database, where the calls to the primary under each reference are counted
   *   (`countPrimaryCall`), so that no failover charges a reference the primary may have charged.
   */
  constructor(
    private readonly urls: Record<ProviderName, string>,
    internalToken: string,
    private readonly pool: Pool,
  ) {
    this.auth = internalAuth(internalToken);
  }

  /** One try at one provider, as its own span carrying the attempt number. */
  private attempt(
    provider: ProviderName,
    charge: ProviderCharge,
    attempt: number,
    call: CallRecord,
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
          // The provider's contract: `provider-down` (503) means it took nothing; any other 5xx may
          // come after the charge committed (its database connection lost before it could answer).
          if (answer.status >= 500)
            throw new ServerError(answer.status, answer.body.type === '/problems/provider-down');
          return answer;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          if (!surelyNotProcessed(error)) call.mayHaveCharged = true;
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
    call: CallRecord,
    timeoutMs?: number,
  ) {
    const key = `${flags['retry-policy']}:${provider}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = retryPolicy(flags['retry-policy'])(`provider-${provider}`, this.budget);
      this.policies.set(key, policy);
    }
    let attempt = 0;
    return policy.execute(() => this.attempt(provider, charge, ++attempt, call, timeoutMs));
  }

  /**
   * Charges under the flags of the request, message or run asking (`flags`, its snapshot): with the
   * timeout of `lessons/http-timeouts.ts`, the retries of `lessons/retry-policy.ts` and the route of
   * `lessons/provider-circuit-breaker.ts`.
   */
  async charge(charge: ProviderCharge, flags: PaymentsFlags): Promise<ProviderResult> {
    const timeoutMs = providerTimeoutMs(flags['http-timeouts']);
    this.budget.recordCall();
    const { reference } = charge;
    const call: CallRecord = { primaryCalls: 0, mayHaveCharged: false };
    let provider: ProviderName = 'primary';
    const send = (to: ProviderName) => {
      provider = to;
      return this.withRetries(to, charge, flags, call, timeoutMs);
    };
    try {
      // Counted before anything is sent; a reference whose charge moved to the backup stays there.
      const route = reference ? await countPrimaryCall(this.pool, reference) : 'primary';
      if (route === 'primary' && reference) call.primaryCalls = 1;
      const routed =
        route === 'backup'
          ? { answer: await send('backup') }
          : await providerRoute(flags['provider-circuit-breaker'])({
              call: send,
              reference,
              breaker: this.breaker,
              primaryNeverTookIt: async () =>
                !call.mayHaveCharged &&
                reference !== undefined &&
                moveToBackup(this.pool, reference, call.primaryCalls),
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
      if (!isRetryable(error as Error) && !(error instanceof BrokenCircuitError)) throw error;
      const reason =
        error instanceof ServerError ? `provider answered ${error.status}` : (error as Error).message;
      // Unavailable only when no attempt of this call may have charged: refused, provider-down, kept back.
      if (!call.mayHaveCharged && surelyNotProcessed(error))
        return { outcome: 'unavailable', reason, provider };
      return { outcome: 'unknown', reason, provider };
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
