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
      target: { kind: 'latency', endpoint: 'login', percentile: 'p95' },
      tolerance: 1000,
    },
    { name: 'checkout succeeds', target: { kind: 'successRate', endpoint: 'checkout' }, tolerance: 0.99 },
    { name: 'no double charge', target: { kind: 'invariant', name: 'doubleCharges' }, tolerance: 0 },
    {
      name: 'no order paid without a charge',
      target: { kind: 'invariant', name: 'paidWithoutCharge' },
      tolerance: 0,
    },
    {
      name: 'no charge without a paid order',
      target: { kind: 'invariant', name: 'chargedNotPaid' },
      tolerance: 0,
    },
    {
      name: 'every completed payment invoiced',
      target: { kind: 'invariant', name: 'paymentsWithoutInvoice' },
      tolerance: 0,
    },
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
