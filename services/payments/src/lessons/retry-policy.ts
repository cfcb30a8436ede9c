import { isRetryable, type RetryBudget } from '@incident-lab/http-client';
import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import { ConstantBackoff, ExponentialBackoff, handleWhen, type IPolicy, noop, retry } from 'cockatiel';

/**
 * Lab 1, `retry-policy`: what payments does when a provider call fails (no answer, or a 5xx). A
 * struggling provider gets every failure back as more load.
 */
export type RetryMode = 'none' | 'immediate' | 'backoff';

const retries = getMeter('resilience').createCounter('shop.http_client.retries', {
  description:
    'Retries of service-to-service calls by target and outcome (retried, budget-exhausted, gave-up).',
});

/** Counts and traces a policy's retries, so both lessons show the same signals. */
function observed(policy: ReturnType<typeof retry>, target: string): IPolicy {
  policy.onRetry(({ delay }) => {
    retries.add(1, { target, outcome: 'retried' });
    trace
      .getActiveSpan()
      ?.addEvent('retry scheduled', { 'shop.retry.target': target, 'shop.retry.delay_ms': delay });
  });
  policy.onGiveUp(() => retries.add(1, { target, outcome: 'gave-up' }));
  return policy;
}

/** Broken (`immediate`): three more tries at once. Each failure becomes four calls on a provider that is already failing. */
export function retryAtOnce(target: string, _budget: RetryBudget): IPolicy {
  return observed(
    retry(handleWhen(isRetryable), { maxAttempts: 3, backoff: new ConstantBackoff(0) }),
    target,
  );
}

/**
 * Fixed (`backoff`): up to three more tries, waiting 100 ms, 200 ms, … (at most 2 s) with jitter so
 * that clients do not retry in step, and only while the retry budget lasts (retries at most 20% of
 * calls): when everything fails, retries stop instead of multiplying.
 */
export function backOffWithinBudget(target: string, budget: RetryBudget): IPolicy {
  const withinBudget = handleWhen((error) => {
    if (!isRetryable(error)) return false;
    if (budget.tryRetry()) return true;
    retries.add(1, { target, outcome: 'budget-exhausted' });
    trace.getActiveSpan()?.addEvent('retry budget exhausted', { 'shop.retry.target': target });
    return false;
  });
  return observed(
    retry(withinBudget, {
      maxAttempts: 3,
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }),
    }),
    target,
  );
}

/** `none`: one try, no retry. */
export function noRetry(_target: string, _budget: RetryBudget): IPolicy {
  return noop;
}

const POLICIES: Record<RetryMode, (target: string, budget: RetryBudget) => IPolicy> = {
  immediate: retryAtOnce,
  backoff: backOffWithinBudget,
  none: noRetry,
};

/** The lesson chosen by the `retry-policy` flag's value. */
export const retryPolicy = (mode: RetryMode) => POLICIES[mode];
