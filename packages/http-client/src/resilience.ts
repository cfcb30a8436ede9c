import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { UnreachableError } from './post-json';

export { BrokenCircuitError };
/** A breaker a client keeps across calls: run a call with `execute`. */
export interface CircuitBreaker {
  execute<T>(call: () => Promise<T>): Promise<T>;
  readonly state: CircuitState;
}

/** A 5xx answer, thrown inside policies so that they can retry it or count it against a breaker. */
export class ServerError extends Error {
  override name = 'ServerError';
  /**
   * @param tookNothing the server's own word that it did nothing with the request (its contract,
   *   such as a "down" problem type). A bare 5xx does not say so: a 500 or a 503 can come after the
   *   work was done, when the server lost its database connection after the commit.
   */
  constructor(
    readonly status: number,
    readonly tookNothing = false,
  ) {
    super(`answered ${status}`);
  }
}

/** Worth another try: no answer at all, or the server said it failed. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UnreachableError || error instanceof ServerError;
}

/**
 * The call surely did nothing at the server: the connection was refused (nothing was sent), an open
 * breaker kept it from being made, or the server answered 5xx saying it took nothing
 * (`ServerError.tookNothing`). A timeout, a reset or any other 5xx is not this: the request may have
 * been processed and only the answer lost or spoiled.
 */
export function surelyNotProcessed(error: unknown): boolean {
  if (error instanceof BrokenCircuitError) return true;
  if (error instanceof ServerError) return error.tookNothing;
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
const transitions = meter.createCounter('shop.circuit_breaker.transitions', {
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
 * after `halfOpenAfterMs`. Its state is the gauge `shop.circuit_breaker.state{breaker,state}`, one
 * series per state, 1 for the state it is in and 0 for the others (an enum as series, so a query
 * never has to know which number meant what), and each change is a span event on the request that
 * caused it.
 */
export function createBreaker(name: string, threshold = 5, halfOpenAfterMs = 5_000): CircuitBreaker {
  const breaker = circuitBreaker(handleWhen(isRetryable), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
  meter
    .createObservableGauge('shop.circuit_breaker.state', {
      description:
        'Circuit breaker state: 1 for the state the breaker is in (closed, half-open, open), 0 for the others.',
    })
    .addCallback((result) => {
      const now = STATE_NAMES[breaker.state === CircuitState.Isolated ? CircuitState.Open : breaker.state];
      for (const state of ['closed', 'half-open', 'open'])
        result.observe(state === now ? 1 : 0, { breaker: name, state });
    });
  breaker.onStateChange((state) => {
    transitions.add(1, { breaker: name, to: STATE_NAMES[state] });
    trace
      .getActiveSpan()
      ?.addEvent(`circuit breaker ${STATE_NAMES[state]}`, { 'shop.circuit_breaker.name': name });
  });
  return {
    get state() {
      return breaker.state;
    },
    // One probe at a time, and the others refused at once while it runs. cockatiel 4 makes calls
    // that arrive during the probe wait for its verdict instead (cockatiel 3 refused them): with a
    // slow dependency, every charge would then wait as long as the probe, which is what a breaker
    // exists to prevent (bench/what-each-change-bought.md, the move to Node 24).
    execute: (call) =>
      breaker.state === CircuitState.HalfOpen
        ? Promise.reject(
            new BrokenCircuitError('Execution prevented: the circuit breaker is trying one call'),
          )
        : breaker.execute(call),
  };
}
