import { auditProbe, NO_CHARGE_WITHOUT_PAID_ORDER, NO_DOUBLE_CHARGE } from './probes';
import type { Probe, ShopProcess } from './scenario';
import type { EndpointGroup } from './shop-load';

/**
 * `lab drill`'s catalogue: every fault the labs teach, as a game day hides it. Plain data, like the
 * scenarios. A learner names where the cause sits (one of the shop's processes) and what it is (one of
 * `DRILL_CAUSES`), and mitigates by turning fixes on or rolling a service back. Trainers read this
 * (`lab drill --list`); a learner who reads it still has to find which one it is.
 */

/** What a learner can say the cause is: kinds of failure, not flag names. */
export const DRILL_CAUSES = {
  'dependency-down': 'a dependency refuses every call',
  'dependency-slow': 'a dependency answers, but slowly',
  'dependency-errors': 'a dependency fails calls with server errors',
  'responses-lost': 'calls are carried out, but their answers never come back',
  'bad-release': 'a change released to this service broke it (roll the service back)',
  'resource-exhausted': 'a shared resource (database connections, workers) is used up',
  'config-changed': 'a setting of this service was changed without anyone saying so (roll it back)',
} as const;

export type DrillCause = keyof typeof DRILL_CAUSES;

/** The steady traffic of a drill: people browsing, logging in, buying and (rarely) reporting. */
export const DRILL_LOAD: Partial<Record<EndpointGroup, number>> = {
  login: 1,
  products: 2,
  checkout: 2,
  report: 0.05,
};

export interface DrillFault {
  id: string;
  /** What happened, in the words the report uses once it is revealed. */
  title: string;
  service: ShopProcess;
  cause: DrillCause;
  /** Flags the drill holds in force without showing them (the lab's fault flags). */
  hidden: Record<string, string>;
  /** Traffic the fault comes with, on top of the steady load (month-end reporting). */
  extraLoad?: Partial<Record<EndpointGroup, number>>;
  /** Orders of history the fault needs (a report's cost grows with them). */
  seedOrders?: number;
  /**
   * What ends its effect: any one of these sets of fixes, or rolling `rollback` back (a release or a
   * setting undone; a provider's outage is not undone by a rollback of anything of the shop's).
   */
  mitigations: { fixes: Array<Record<string, string>>; rollback?: ShopProcess };
  /**
   * The steady-state hypothesis recovery is judged by, over the drill's last window of traffic, as
   * `lab run` judges a phase: it fails while the fault hurts, and holds again once it is mitigated.
   */
  hypothesis: Probe[];
  /** The lab's alerts that should fire for it (alert coverage in the report). */
  alerts: string[];
  /** From vague to nearly the answer; each one costs points. */
  hints: string[];
}

/** Checkout works for people: what most faults take away. */
const CHECKOUT_SUCCEEDS: Probe = {
  name: 'checkouts succeed (2xx) for 95 % of people',
  measure: { kind: 'successRate', endpoint: 'checkout' },
  atLeast: 0.95,
};

/** Every payment accounted for: what the silent faults take away while every request succeeds. */
const NO_PAYMENT_LOST = auditProbe(
  'no payment lost without a trace (invoiced, or parked with its reason)',
  'unaccountedPayments',
);

export const DRILL_FAULTS: DrillFault[] = [
  {
    id: 'primary-down',
    title: 'The primary payment provider went down: it refused every charge (503)',
    service: 'provider-primary',
    cause: 'dependency-down',
    hidden: { 'provider-fault-target': 'primary', 'provider-outage': 'on' },
    mitigations: {
      fixes: [{ 'provider-circuit-breaker': 'on' }, { 'payments-queue-when-provider-down': 'on' }],
    },
    hypothesis: [CHECKOUT_SUCCEEDS],
    alerts: ['PaymentsFailing'],
    hints: [
      'People cannot buy. Which answer do they get, and from which service did it come first?',
      "Open a failed checkout's trace: follow it down to the last call that went out.",
      'Payments is fine; the provider it calls first refuses every charge. Is there somewhere else to send them?',
    ],
  },
  {
    id: 'primary-slow',
    title: 'The primary payment provider slowed down: every charge took 3 s',
    service: 'provider-primary',
    cause: 'dependency-slow',
    hidden: { 'provider-fault-target': 'primary', 'provider-latency-ms': 'very-slow' },
    // A deadline alone turns slow into failed; the breaker stops the calls; retries that wait for
    // their budget keep each probe of the breaker short.
    mitigations: {
      fixes: [{ 'http-timeouts': 'on', 'provider-circuit-breaker': 'on', 'retry-policy': 'backoff' }],
    },
    hypothesis: [
      CHECKOUT_SUCCEEDS,
      {
        name: 'checkout p95 under 2 s',
        measure: { kind: 'latency', endpoint: 'checkout', percentile: 'p95' },
        atMost: 2_000,
      },
    ],
    alerts: ['CheckoutSlow'],
    hints: [
      'Nothing fails, yet people wait. Which endpoint, and since when?',
      'In a slow checkout trace, which span holds the time?',
      'The provider answers, after seconds. A call that waits as long as it likes holds everything above it; one retried at once waits four times.',
    ],
  },
  {
    id: 'primary-errors',
    title: 'The primary payment provider failed every charge with 500',
    service: 'provider-primary',
    cause: 'dependency-errors',
    hidden: { 'provider-fault-target': 'primary', 'provider-error-rate': 'all' },
    mitigations: { fixes: [{ 'provider-circuit-breaker': 'on' }] },
    hypothesis: [CHECKOUT_SUCCEEDS],
    alerts: ['PaymentsFailing'],
    hints: [
      'Checkouts fail, slowly. How many calls does one checkout make now?',
      "Count the provider calls in a failed checkout's trace, and read their status.",
      'The provider errors on every charge and payments keeps trying it. The backup is idle.',
    ],
  },
  {
    id: 'lost-responses',
    title: 'The primary payment provider charged cards but a third of its answers were lost',
    service: 'provider-primary',
    cause: 'responses-lost',
    hidden: { 'provider-fault-target': 'primary', 'provider-drop-response': 'some' },
    mitigations: { fixes: [{ 'idempotency-keys': 'on' }] },
    hypothesis: [NO_DOUBLE_CHARGE, NO_CHARGE_WITHOUT_PAID_ORDER],
    alerts: ['PaymentsFailing'],
    hints: [
      'Some checkouts fail; ask the audit (`lab check`) what the customers’ cards say.',
      'Compare an order the shop failed with the provider’s ledger for it.',
      'The provider did charge; the answer never reached payments, and a retry charged again.',
    ],
  },
  {
    id: 'template-bug',
    title: 'A release of invoicing broke the invoice template for customers whose number ends in 7',
    service: 'invoicing',
    cause: 'bad-release',
    hidden: { 'invoicing-template-bug': 'on' },
    mitigations: { fixes: [{ 'invoicing-dead-letter': 'on' }], rollback: 'invoicing' },
    hypothesis: [NO_PAYMENT_LOST],
    alerts: ['InvoicesBehindPayments', 'PaymentsWithoutInvoice'],
    hints: [
      'Every request succeeds. Is everything that should follow a payment happening?',
      'Compare payments completed with invoices created, over the last minutes.',
      'Invoicing takes every message and acks it; read its debug lines for one customer without an invoice.',
    ],
  },
  {
    id: 'handoff-lost',
    title: "A release of storefront's checkout never handed the orders of every third customer to payments",
    service: 'storefront',
    cause: 'bad-release',
    hidden: { 'checkout-handoff-lost': 'on' },
    // abandoned-payments makes the lost orders honest and counted, but new ones are still lost: not a
    // mitigation. With idempotency-keys the charge request is written with the order and the relay
    // hands it over.
    mitigations: { fixes: [{ 'idempotency-keys': 'on' }], rollback: 'storefront' },
    hypothesis: [auditProbe('no order left for nobody to pay', 'ordersWithoutPayment')],
    alerts: ['OrdersOutpacePayments'],
    hints: [
      'Every checkout succeeds. Does every order get a payment?',
      'Compare the orders storefront creates with the charge requests payments receives.',
      'Some checkouts answer 202 "payment in progress" and never call payments: whose?',
    ],
  },
  {
    id: 'cache-write-refused',
    title:
      "A credentials rotation took write permission from the Redis user storefront's price changes go as: the catalogue cache kept the old prices, and checkout charged them",
    service: 'storefront',
    cause: 'config-changed',
    hidden: { 'cache-write-refused': 'on' },
    // The staff changing prices, as every shop's back office does now and then.
    extraLoad: { reprice: 0.2 },
    // With cache-write-checks, checkout charges MySQL's price and the cache is deleted or bypassed.
    mitigations: { fixes: [{ 'cache-write-checks': 'on' }], rollback: 'storefront' },
    hypothesis: [auditProbe('no order charged a price the catalogue no longer had', 'staleOrderPrices')],
    alerts: ['OrdersChargedStalePrice'],
    hints: [
      'Every request succeeds, and orders are paid. Are they paid the right amount?',
      "Compare what recent orders were charged with the catalogue's prices when they were placed.",
      "Storefront's Redis calls: which ones fail, and what does the code do with the failure?",
    ],
  },
  {
    id: 'event-renamed',
    title: 'A release of payments published completed payments under a new name nobody listens to',
    service: 'payments',
    cause: 'bad-release',
    hidden: { 'payments-event-rename': 'on' },
    mitigations: { fixes: [{ 'unroutable-guard': 'on' }], rollback: 'payments' },
    hypothesis: [NO_PAYMENT_LOST],
    alerts: ['PaymentEventsNotConsumed', 'PaymentsWithoutInvoice'],
    hints: [
      'Every request succeeds, yet one part of the shop has gone quiet. Which?',
      'Compare what payments publishes (by type) with what its consumers receive.',
      'The events leave payments under a name no queue is bound to, and the broker drops them.',
    ],
  },
  {
    id: 'job-failing',
    title: 'A release of the reconciler broke its job: every run failed on a query',
    service: 'reconciler',
    cause: 'bad-release',
    hidden: { 'reconciler-job-fault': 'on' },
    mitigations: { fixes: [], rollback: 'reconciler' },
    hypothesis: [
      {
        name: 'no reconcile run failed',
        measure: {
          kind: 'counter',
          service: 'reconciler',
          metric: 'shop_job_runs_total',
          labels: { outcome: 'failed' },
        },
        atMost: 0,
      },
    ],
    alerts: ['JobNotSucceeding'],
    hints: [
      'The shop sells. Something that runs in the background has stopped doing its work.',
      "Look at the jobs' runs and their last success.",
      'The reconciler fails every run, with the same error each time: look at its log.',
    ],
  },
  {
    id: 'report-storm',
    title: 'Month-end reporting: staff refreshed the heavy sales report while people logged in',
    service: 'storefront',
    cause: 'resource-exhausted',
    hidden: {},
    extraLoad: { report: 2 },
    seedOrders: 120_000,
    mitigations: { fixes: [{ 'reports-bulkhead': 'on' }, { 'db-query-timeout': 'on' }] },
    hypothesis: [
      {
        name: 'login p95 under 500 ms',
        measure: { kind: 'latency', endpoint: 'login', percentile: 'p95' },
        atMost: 500,
      },
    ],
    alerts: ['LoginSlow'],
    hints: [
      'Logging in got slow, though login itself did not change.',
      'In a slow login trace, where is the time spent before the query runs?',
      'Every database connection storefront shares is held by something else.',
    ],
  },
];

/**
 * Faults of the lab that no drill draws, each with the reason. The catalogue test fails on a fault
 * flag that is in neither list: a new fault must be drillable, or say why not.
 */
export const NOT_DRILLED: Record<string, string> = {
  'payments-crash':
    'its effect needs charges queued for the worker (a provider outage with payments-queue-when-provider-down), which a steady drill does not make; lab chaos kills payments instead',
};

/**
 * Which service owns a fix flag: at the hardest level a drill turns one fix off without showing it,
 * and rolling that service back undoes it.
 */
export const FIX_OWNER: Record<string, ShopProcess> = {
  'db-query-timeout': 'storefront',
  'db-pool-shedding': 'storefront',
  'reports-bulkhead': 'storefront',
  'http-timeouts': 'payments',
  'retry-policy': 'payments',
  'provider-circuit-breaker': 'payments',
  'idempotency-keys': 'payments',
  'idempotent-consumer': 'payments',
  outbox: 'payments',
  'reconciler-repair': 'reconciler',
  'invoicing-dead-letter': 'invoicing',
  'unroutable-guard': 'payments',
  'abandoned-payments': 'storefront',
  'cache-write-checks': 'storefront',
};
