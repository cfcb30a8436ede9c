import type { CapacityExperiment } from '@incident-lab/scenarios';
import { percentile, type RequestResult } from '../load/stats';

export type Objective = CapacityExperiment['objective'];

/** What one step of load got: offered against served, and why it kept or missed the objective. */
export interface StepResult {
  /** `12.5/s`, `2×`, `4×`, `0.5× after`. */
  name: string;
  kind: 'search' | 'overload' | 'after';
  durationS: number;
  /** The rate the step was planned at (arrivals a second). */
  offeredPerS: number;
  /** Requests actually sent a second: below `offeredPerS` only when the load generator fell behind. */
  sentPerS: number;
  requests: number;
  /** Successful answers within the objective's latency, a second: what the users got. */
  goodputPerS: number;
  /** Successful answers however late, a second. */
  okPerS: number;
  /** Of the successful answers. */
  p50Ms: number;
  p99Ms: number;
  /** Refused at once with 503 (load shed), timed out at the client, or any other failure. */
  shed: number;
  timeouts: number;
  errors: number;
  /** How late the load generator sent its requests (p99, ms): above `DRIVER_LAG_MS` the step did not offer its rate. */
  lateP99Ms: number;
  withinObjective: boolean;
  /** Why not, in words; empty when it kept the objective. */
  missed: string[];
}

/** A load generator more than this late at the p99 was not offering the planned rate: the machine is too busy. */
export const DRIVER_LAG_MS = 250;

/** The search's rates: `startPerS`, then `growth` times the last (to one decimal), up to `maxPerS`. */
export function searchRates(stepUp: CapacityExperiment['stepUp']): number[] {
  const rates: number[] = [];
  for (let rate = stepUp.startPerS; rate <= stepUp.maxPerS + 1e-9; rate *= stepUp.growth)
    rates.push(Math.round(rate * 10) / 10);
  return rates;
}

/** A step's results, judged against the objective. `results` start within the step. */
export function summarizeStep(
  step: { name: string; kind: StepResult['kind']; offeredPerS: number; durationS: number },
  results: RequestResult[],
  lateMs: number[],
  objective: Objective,
): StepResult {
  const ok = results.filter((result) => result.outcome === 'ok');
  const latencies = ok.map((result) => result.latencyMs).sort((a, b) => a - b);
  const served = ok.filter((result) => result.latencyMs <= objective.latencyMs).length;
  const shed = results.filter((result) => result.status === 503).length;
  const timeouts = results.filter((result) => result.outcome === 'timeout').length;
  const errors = results.filter((result) => result.outcome === 'error' && result.status !== 503).length;
  const requests = results.length;
  const p99Ms = Math.round(percentile(latencies, 99));
  const lateP99Ms = Math.round(
    percentile(
      [...lateMs].sort((a, b) => a - b),
      99,
    ),
  );
  const share = (count: number) => count / Math.max(1, requests);
  const missed = [
    ...(p99Ms > objective.latencyMs ? [`p99 ${p99Ms} ms > ${objective.latencyMs} ms`] : []),
    ...(share(errors + timeouts) >= objective.maxErrorShare
      ? [`${percent(share(errors + timeouts))} failed or timed out`]
      : []),
    ...(share(shed) >= objective.maxShedShare ? [`${percent(share(shed))} shed`] : []),
    ...(lateP99Ms > DRIVER_LAG_MS ? [`the load generator fell behind (p99 ${lateP99Ms} ms late)`] : []),
    ...(requests === 0 ? ['no request was sent'] : []),
  ];
  const perS = (count: number) => Math.round((count / step.durationS) * 10) / 10;
  return {
    ...step,
    sentPerS: perS(requests),
    requests,
    goodputPerS: perS(served),
    okPerS: perS(ok.length),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms,
    shed,
    timeouts,
    errors,
    lateP99Ms,
    withinObjective: missed.length === 0,
    missed,
  };
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

/**
 * The capacity: the highest rate of the search that kept the objective, every step before it
 * having kept it too (a step that missed ends the search); undefined when even the first missed.
 */
export function capacityOf(search: StepResult[]): number | undefined {
  let capacity: number | undefined;
  for (const step of search) {
    if (!step.withinObjective) break;
    capacity = step.offeredPerS;
  }
  return capacity;
}

/**
 * Seconds after the overload until the shop was healthy for good: the first second from which every
 * second had at least `healthyShare` of its requests served (2xx within the objective's latency).
 * `results` start within the step after the overload (`startMs` from its start); null when its last
 * second was still unhealthy: not recovered within the step.
 */
export function recoveryS(
  results: RequestResult[],
  durationS: number,
  objective: Objective,
  healthyShare: number,
): number | null {
  const healthy = Array.from({ length: durationS }, (_, second) => {
    const inSecond = results.filter((result) => Math.floor(result.startMs / 1000) === second);
    const served = inSecond.filter(
      (result) => result.outcome === 'ok' && result.latencyMs <= objective.latencyMs,
    ).length;
    return inSecond.length === 0 || served / inSecond.length >= healthyShare;
  });
  let from = durationS;
  while (from > 0 && healthy[from - 1]) from--;
  return from === durationS ? null : from;
}
