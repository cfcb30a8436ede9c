import { arrivals, scaleRates } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import { latencySummary, notableTraces, percentile, type RequestResult, summarize, timeline } from './stats';

describe('percentile (nearest rank)', () => {
  it('picks the value at or above the rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 95)).toBe(0);
    expect(latencySummary([300, 10, 20])).toEqual({ p50: 20, p95: 300, p99: 300, max: 300 });
  });
});

const result = (
  endpoint: RequestResult['endpoint'],
  latencyMs: number,
  outcome: RequestResult['outcome'],
  startMs = 0,
): RequestResult => ({
  endpoint,
  latencyMs,
  firstAnswerMs: latencyMs,
  outcome,
  startMs,
  attempts: outcome === 'ok' ? 1 : 2,
  traceId: `t${latencyMs}`,
});

describe('summaries', () => {
  const results = [
    result('login', 10, 'ok'),
    result('login', 900, 'timeout', 1500),
    result('login', 30, 'error', 1200),
    result('checkout', 50, 'ok'),
  ];

  it('gives rates and latencies per endpoint, counting retries', () => {
    const summary = summarize(results);
    expect(summary.login).toMatchObject({
      requests: 3,
      errorRate: 1 / 3,
      timeoutRate: 1 / 3,
      successRate: 1 / 3,
      retries: 2,
    });
    expect(summary.login?.latencyMs.max).toBe(900);
    expect(summary.report).toBeUndefined();
  });

  it('buckets by second for the charts and names the slowest and failed traces', () => {
    // A second where every request failed has no success latency: a fast failure is not good latency.
    expect(timeline(results, 2).filter((p) => p.endpoint === 'login')).toEqual([
      { second: 0, endpoint: 'login', requests: 1, failed: 0, p95Ms: 10, okP95Ms: 10 },
      { second: 1, endpoint: 'login', requests: 2, failed: 2, p95Ms: 900 },
    ]);
    const traces = notableTraces(results, 2);
    expect(traces.slowest).toEqual(['t900', 't50']);
    expect(traces.failed).toEqual(['t900', 't30']);
  });
});

describe('the request schedule', () => {
  it('is the same sequence for the same seed, and another for another seed', () => {
    const rates = { login: 5, checkout: 2 };
    expect(arrivals(rates, 10, 7)).toEqual(arrivals(rates, 10, 7));
    expect(arrivals(rates, 10, 7)).not.toEqual(arrivals(rates, 10, 8));
  });

  it('arrives at about the configured rate per endpoint (open model)', () => {
    const schedule = arrivals({ login: 20, report: 2 }, 60, 1);
    const count = (endpoint: string) => schedule.filter((a) => a.endpoint === endpoint).length;
    expect(count('login')).toBeGreaterThan(1080);
    expect(count('login')).toBeLessThan(1320);
    expect(count('report')).toBeGreaterThan(80);
    expect(count('report')).toBeLessThan(160);
    expect(schedule.every((a, i) => i === 0 || a.atMs >= (schedule[i - 1] as { atMs: number }).atMs)).toBe(
      true,
    );
  });

  it('scales the mix to a total rate', () => {
    expect(scaleRates({ login: 2, checkout: 6 }, 4)).toEqual({ login: 1, checkout: 3 });
  });
});
