import { CASCADING_FIXES } from './fixes';
import { NO_DOUBLE_CHARGE } from './probes';
import type { Scenario } from './scenario';

/**
 * Lab 1. Act one: people refresh a heavy sales report while others log in; in the broken shop the
 * reports fill the shared pool and login waits behind them. Act two: the primary payment provider
 * goes down during checkout. The fixed phase turns every cascading-lab fix on.
 */
export const cascading: Scenario = {
  name: 'cascading',
  title: 'Lab 1 — Cascading failures: a slow report drags login down',
  summary:
    'A report storm on 120 000 orders beside steady logins, then a primary provider outage during checkout. ' +
    'Broken: one shared pool, no timeouts, immediate retries, no breaker. Fixed: query timeout, load shedding, ' +
    'a reports bulkhead, HTTP timeouts, backoff within a retry budget, and a breaker failing over to the backup.',
  dashboardUid: 'lab-1-cascading',
  seedOrders: 120_000,
  hypothesis: [
    {
      name: 'login p95 under 500 ms during the report storm',
      headline: 'login p95 during the report storm',
      measure: { kind: 'latency', endpoint: 'login', act: 'report-storm', percentile: 'p95' },
      atMost: 500,
    },
    {
      name: 'login errors under 1% during the report storm',
      headline: 'logins that failed or timed out during the storm',
      measure: { kind: 'errorRate', endpoint: 'login', act: 'report-storm' },
      atMost: 0.01,
    },
    {
      name: 'reports answered or refused fast: first answer p95 under 3 s',
      measure: {
        kind: 'latency',
        endpoint: 'report',
        act: 'report-storm',
        percentile: 'p95',
        of: 'first-answer',
      },
      atMost: 3000,
    },
    {
      name: 'checkout succeeds through the provider outage',
      headline: 'checkouts that succeeded through the provider outage',
      measure: { kind: 'successRate', endpoint: 'checkout', act: 'provider-outage' },
      atLeast: 0.99,
    },
    NO_DOUBLE_CHARGE,
  ],
  compare: { endpoint: 'login', act: 'report-storm' },
  faults: {},
  load: {
    warmupS: 3,
    acts: [
      { name: 'report-storm', durationS: 20, ratePerS: { login: 5, products: 2, report: 2 }, faults: {} },
      {
        name: 'provider-outage',
        durationS: 20,
        ratePerS: { login: 1, checkout: 4 },
        faults: { 'provider-outage': 'on' },
      },
    ],
    clientTimeoutMs: 6_000,
    // Real clients: retry twice, at once after a timeout or error, after Retry-After when the shop sends one.
    client: { onFailure: 'retry', retries: 2, followRetryAfter: true },
  },
  phases: {
    broken: {},
    fixed: CASCADING_FIXES,
  },
};
