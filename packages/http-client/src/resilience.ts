import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { UnreachableError } from './post-json';

export { BrokenCircuitError };
/** A breaker a client keeps across calls: run a call with `execute`. */
export type CircuitBreaker = CircuitBreakerPolicy;

/** A 5xx answer, thrown inside policies so that they can retry it or count it against a breaker. */
export class ServerError extends Error {
  override name = 'ServerError';
  constructor(readonly status: number) {
    super(`answered ${status}`);
  }
}

/** Worth another try: no answer at all, or the server said it failed. */
export function isRetryable(error: Error): boolean {
  return error instanceof UnreachableError || error instanceof ServerError;
}

/**
 * The call surely did nothing at the server: it answered 5xx, the connection was refused (nothing
 * was sent), or an open breaker kept it from being made. A timeout or a reset is not this: the
 * request may have been processed and only the answer lost.
 */
export function surelyNotProcessed(error: unknown): boolean {
  if (error instanceof ServerError || error instanceof BrokenCircuitError) return true;
  for (
    let cause = error as { code?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause.code === 'ECONNREFUSED') return true;
  }
  return false;
}

const meter = getMeter('resilience');
const transitions = meter.createCounter('circuit_breaker_transitions', {
  description: 'Circuit breaker state changes by breaker and new state.',
});

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * A circuit breaker that opens after `threshold` failures in a row and lets one probe through
 * after `halfOpenAfterMs`. Its state is the gauge `circuit_breaker_state{breaker}` (0 closed,
 * 1 half-open, 2 open) and each change is a span event on the request that caused it.
 */
export function createBreaker(name: string, threshold = 5, halfOpenAfterMs = 5_000): CircuitBreakerPolicy {
  const breaker = circuitBreaker(handleWhen(isRetryable), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
  const gaugeValue = () =>
    breaker.state === CircuitState.Closed ? 0 : breaker.state === CircuitState.HalfOpen ? 1 : 2;
  meter
    .createObservableGauge('circuit_breaker_state', {
      description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    })
    .addCallback((result) => result.observe(gaugeValue(), { breaker: name }));
  breaker.onStateChange((state) => {
    transitions.add(1, { breaker: name, to: STATE_NAMES[state] });
    trace.getActiveSpan()?.addEvent(`circuit breaker ${STATE_NAMES[state]}`, { 'breaker.name': name });
  });
  return breaker;
}
