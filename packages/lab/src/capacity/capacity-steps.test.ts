import { capacity } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import type { RequestResult } from '../load/stats';
import { capacityOf, recoveryS, searchRates, summarizeStep } from './capacity-steps';

const objective = capacity.objective;

/** A request answered with `status`, or timed out at the client (null). */
function result(startMs: number, latencyMs: number, status: number | null): RequestResult {
  return {
    endpoint: 'checkout',
    startMs,
    latencyMs,
    firstAnswerMs: latencyMs,
    outcome: status === null ? 'timeout' : status < 300 ? 'ok' : 'error',
    ...(status === null ? {} : { status }),
    attempts: 1,
  };
}

/** `count` requests spread over `seconds`, each answered as `answer(i)` says. */
function load(count: number, seconds: number, answer: (i: number) => [number, number | null]) {
  return Array.from({ length: count }, (_, i) => result((i * seconds * 1000) / count, ...answer(i)));
}

describe('the capacity search', () => {
  it('steps up by the growth factor from the start to the limit', () => {
    expect(searchRates({ startPerS: 10, growth: 1.5, stepS: 5, maxPerS: 40 })).toEqual([10, 15, 22.5, 33.8]);
  });

  it('serves a step that keeps the objective: served per second counts 2xx within the latency', () => {
    const step = summarizeStep(
      { name: '20/s', kind: 'search', offeredPerS: 20, durationS: 10 },
      load(200, 10, (i) => [i % 10 === 0 ? 900 : 40, 201]),
      [3, 5, 8],
      objective,
    );
    expect(step).toMatchObject({
      withinObjective: true,
      goodputPerS: 20,
      sentPerS: 20,
      p50Ms: 40,
      missed: [],
    });
  });

  it('misses on a slow p99, on errors, on shedding, and on a load generator that fell behind, saying which', () => {
    const slow = summarizeStep(
      { name: 's', kind: 'search', offeredPerS: 10, durationS: 10 },
      load(100, 10, (i) => [i < 5 ? 1_500 : 50, 200]),
      [],
      objective,
    );
    expect(slow.withinObjective).toBe(false);
    expect(slow.missed).toEqual(['p99 1500 ms > 1000 ms']);
    expect(slow.goodputPerS).toBe(9.5);

    const shedding = summarizeStep(
      { name: 's', kind: 'search', offeredPerS: 10, durationS: 10 },
      load(100, 10, (i) => [i < 3 ? 2 : 50, i < 3 ? 503 : 200]),
      [],
      objective,
    );
    expect(shedding.missed).toEqual(['3 % shed']);
    expect(shedding.errors).toBe(0);

    const failing = summarizeStep(
      { name: 's', kind: 'search', offeredPerS: 10, durationS: 10 },
      load(100, 10, (i) => (i === 0 ? [5_000, null] : [50, 200])),
      [400, 10],
      objective,
    );
    expect(failing.missed).toEqual([
      '1 % failed or timed out',
      'the load generator fell behind (p99 400 ms late)',
    ]);
  });

  it('states as capacity the last step before the first that missed', () => {
    const steps = [true, true, false, true].map((withinObjective, i) => ({
      ...summarizeStep(
        { name: '', kind: 'search', offeredPerS: 10 * (i + 1), durationS: 1 },
        [],
        [],
        objective,
      ),
      withinObjective,
    }));
    expect(capacityOf(steps)).toBe(20);
    expect(capacityOf(steps.slice(2))).toBeUndefined();
  });
});

describe('recovery after the overload', () => {
  it('counts the seconds until every later second is healthy', () => {
    // The first 4 seconds still answer late (a queue draining), then every request is served.
    const results = load(100, 10, (i) => [i < 40 ? 3_000 : 30, 200]);
    expect(recoveryS(results, 10, objective, 0.95)).toBe(4);
  });

  it('is 0 for a shop healthy at once, and null for one still unhealthy at the end', () => {
    expect(
      recoveryS(
        load(50, 5, () => [20, 200]),
        5,
        objective,
        0.95,
      ),
    ).toBe(0);
    expect(
      recoveryS(
        load(50, 5, (i) => [20, i >= 45 ? 500 : 200]),
        5,
        objective,
        0.95,
      ),
    ).toBeNull();
  });
});
