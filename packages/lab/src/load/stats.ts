import { ENDPOINT_GROUPS, type EndpointGroup, resultKey } from '@incident-lab/scenarios';
import type { EndpointSummary, LatencySummary, TimelinePoint } from '../report/report';

export type Outcome = 'ok' | 'error' | 'timeout';

/** One simulated user's request as they experienced it, retries included. */
export interface RequestResult {
  endpoint: EndpointGroup;
  /** The act it belongs to, when the scenario has several. */
  act?: string;
  /** Milliseconds after the measured window started. */
  startMs: number;
  latencyMs: number;
  /** How long the first try took to get an answer (or to time out). */
  firstAnswerMs: number;
  outcome: Outcome;
  status?: number;
  attempts: number;
  traceId?: string;
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function latencySummary(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

/** Summaries keyed `login`, or `act:login` for results of a scenario with several acts. */
export function summarize(results: RequestResult[]): Record<string, EndpointSummary> {
  const summary: Record<string, EndpointSummary> = {};
  const acts = [...new Set(results.map((result) => result.act))];
  for (const act of acts)
    for (const endpoint of ENDPOINT_GROUPS) {
      const mine = results.filter((result) => result.endpoint === endpoint && result.act === act);
      if (mine.length === 0) continue;
      const rate = (outcome: Outcome) =>
        mine.filter((result) => result.outcome === outcome).length / mine.length;
      summary[resultKey(endpoint, act)] = {
        requests: mine.length,
        errorRate: rate('error'),
        timeoutRate: rate('timeout'),
        successRate: rate('ok'),
        retries: mine.reduce((sum, result) => sum + result.attempts - 1, 0),
        latencyMs: latencySummary(mine.map((result) => result.latencyMs)),
        firstAnswerMs: latencySummary(mine.map((result) => result.firstAnswerMs)),
      };
    }
  return summary;
}

/** Per second and endpoint (by start time): requests, failures and p95 latency, for the charts. */
export function timeline(results: RequestResult[], durationS: number): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (const endpoint of ENDPOINT_GROUPS) {
    const mine = results.filter((result) => result.endpoint === endpoint);
    if (mine.length === 0) continue;
    for (let second = 0; second < durationS; second++) {
      const inSecond = mine.filter((result) => Math.floor(result.startMs / 1000) === second);
      const sorted = inSecond.map((result) => result.latencyMs).sort((a, b) => a - b);
      const ok = inSecond
        .filter((result) => result.outcome === 'ok')
        .map((result) => result.latencyMs)
        .sort((a, b) => a - b);
      points.push({
        second,
        endpoint,
        requests: inSecond.length,
        failed: inSecond.filter((result) => result.outcome !== 'ok').length,
        p95Ms: Math.round(percentile(sorted, 95)),
        ...(ok.length > 0 ? { okP95Ms: Math.round(percentile(ok, 95)) } : {}),
      });
    }
  }
  return points;
}

/**
 * The one request of `endpoint` (in `act`) a learner should compare across phases: the slowest that
 * came back with a trace id, failed or not (a client timeout has none); undefined when none did.
 */
export function keyTrace(results: RequestResult[], endpoint: string, act?: string): string | undefined {
  return results
    .filter(
      (result) => result.traceId && result.endpoint === endpoint && (act === undefined || result.act === act),
    )
    .sort((a, b) => b.latencyMs - a.latencyMs)[0]?.traceId;
}

/** The trace ids a learner should open: the slowest requests, and the failed ones. */
export function notableTraces(results: RequestResult[], count = 5): { slowest: string[]; failed: string[] } {
  const traced = results.filter((result) => result.traceId);
  return {
    slowest: [...traced]
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, count)
      .map((result) => result.traceId as string),
    failed: traced
      .filter((result) => result.outcome !== 'ok')
      .slice(0, count * 2)
      .map((result) => result.traceId as string),
  };
}
