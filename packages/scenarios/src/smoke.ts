import {
  EVERY_PAYMENT_INVOICED,
  NO_CHARGE_WITHOUT_PAID_ORDER,
  NO_DOUBLE_CHARGE,
  NO_PAID_ORDER_WITHOUT_CHARGE,
} from './probes';
import type { Scenario } from './scenario';

/** The happy path at a gentle rate: proves the run engine and report, and that the shop is healthy. */
export const smoke: Scenario = {
  name: 'smoke',
  title: 'Smoke: the happy path under light load',
  summary:
    'Login, browse and checkout at a few requests per second with no fault: both phases must be healthy.',
  dashboardUid: 'incident-lab-overview',
  seedOrders: 0,
  hypothesis: [
    {
      name: 'login p95 under 1 s',
      measure: { kind: 'latency', endpoint: 'login', percentile: 'p95' },
      atMost: 1000,
    },
    { name: 'checkout succeeds', measure: { kind: 'successRate', endpoint: 'checkout' }, atLeast: 0.99 },
    NO_DOUBLE_CHARGE,
    NO_PAID_ORDER_WITHOUT_CHARGE,
    NO_CHARGE_WITHOUT_PAID_ORDER,
    EVERY_PAYMENT_INVOICED,
  ],
  faults: {},
  load: {
    warmupS: 2,
    acts: [
      {
        name: 'steady',
        durationS: 20,
        ratePerS: { login: 2, products: 3, checkout: 3, report: 0.5 },
        faults: {},
      },
    ],
    clientTimeoutMs: 5_000,
    client: { onFailure: 'give-up' },
  },
  phases: { broken: {}, fixed: {} },
  // Nothing is broken: the same healthy shop twice, under the same seeded load.
  phaseNames: { broken: 'run 1', fixed: 'run 2' },
};
