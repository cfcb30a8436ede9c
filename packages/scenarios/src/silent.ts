import { SILENT_FIXES } from './fixes';
import { EVERY_PAYMENT_INVOICED } from './probes';
import type { Scenario } from './scenario';

/**
 * Lab 3. Act one: checkout never hands every third customer's order to payments. Act two: the invoice template
 * fails on one customer in ten. Act three: payments publishes completed payments under a new name
 * nobody is bound to. Act four: staff change prices while Redis refuses the price writes to the
 * catalogue cache. Every HTTP answer stays a success. The fixed phase fails and counts the orders
 * nobody will pay, dead-letters what invoicing cannot process, guards against unroutable events and
 * charges MySQL's prices with the cache's failures counted; then the bug is fixed, `lab replay` sends
 * the parked messages back and `lab backfill invoices` repairs what no message brings.
 */
export const silent: Scenario = {
  name: 'silent',
  title: 'Lab 3 — Silent failures: every request is 200 while orders go unpaid and invoices vanish',
  summary:
    'Checkout while a release bug never hands the orders of every third customer to payments, then while the invoice template fails on customers whose number ends in 7, then while payments ' +
    'publishes payment.succeeded where invoicing listens for payment.completed, then while staff raise prices and Redis ' +
    'refuses the price writes to the catalogue cache. Broken: the lost orders stay ' +
    'PENDING, uncounted; invoicing swallows the error and acks; RabbitMQ drops the unroutable events; the cache keeps ' +
    'the old prices and checkout charges them. ' +
    'Fixed: the lost orders fail with a reason after a deadline, counted; failures go to the dead-letter ' +
    'queue with their reason, unroutable events are returned and parked, checkout charges the database price and ' +
    'the refused cache writes are counted, alerts fire on the domain ' +
    'metrics, and after the fix the dead letters are replayed and a backfill writes the invoices no message brings.',
  dashboardUid: 'lab-3-silent',
  seedOrders: 0,
  hypothesis: [
    {
      name: 'checkout answers without errors while invoices fail (the RED dashboard is green)',
      headline: 'checkout errors while invoices fail (what the RED dashboard sees)',
      measure: { kind: 'errorRate', endpoint: 'checkout', act: 'swallowed-errors' },
      atMost: 0.01,
    },
    {
      name: 'checkout answers without errors while events go nowhere',
      measure: { kind: 'errorRate', endpoint: 'checkout', act: 'renamed-event' },
      atMost: 0.01,
    },
    {
      name: 'checkout answers without errors while orders never reach payments',
      measure: { kind: 'errorRate', endpoint: 'checkout', act: 'handoff-lost' },
      atMost: 0.01,
    },
    {
      name: "checkout answers without errors while the cache keeps yesterday's prices",
      measure: { kind: 'errorRate', endpoint: 'checkout', act: 'stale-price' },
      atMost: 0.01,
    },
    {
      name: 'no order charged a price the catalogue no longer had',
      headline: 'orders charged a price the catalogue no longer had (the cache kept it)',
      measure: { kind: 'invariant', name: 'staleOrderPrices' },
      atMost: 0,
    },
    {
      name: 'no order left for nobody to pay (paid, failed with a reason, or still being charged)',
      headline: 'orders nobody will pay, uncounted (PENDING, and payments never heard of them)',
      measure: { kind: 'invariant', name: 'ordersWithoutPayment' },
      atMost: 0,
    },
    {
      name: 'no payment lost without a trace (invoiced, or parked with its reason)',
      headline: 'payments lost without a trace (no invoice, nothing saying why)',
      measure: { kind: 'invariant', name: 'unaccountedPayments' },
      atMost: 0,
    },
    EVERY_PAYMENT_INVOICED,
    { name: 'no dead letter left', measure: { kind: 'invariant', name: 'deadLettered' }, atMost: 0 },
    {
      name: 'no event left unconsumed',
      measure: { kind: 'invariant', name: 'unconsumedEvents' },
      atMost: 0,
    },
  ],
  compare: { endpoint: 'checkout', act: 'swallowed-errors' },
  faults: {},
  load: {
    warmupS: 2,
    acts: [
      {
        name: 'handoff-lost',
        durationS: 20,
        ratePerS: { checkout: 3, products: 1 },
        faults: { 'checkout-handoff-lost': 'on' },
      },
      {
        name: 'swallowed-errors',
        durationS: 25,
        ratePerS: { checkout: 3, products: 1 },
        faults: { 'invoicing-template-bug': 'on' },
      },
      {
        name: 'renamed-event',
        durationS: 20,
        ratePerS: { checkout: 3, products: 1 },
        faults: { 'payments-event-rename': 'on' },
      },
      {
        name: 'stale-price',
        durationS: 20,
        ratePerS: { checkout: 3, products: 1, reprice: 0.5 },
        faults: { 'cache-write-refused': 'on' },
      },
    ],
    clientTimeoutMs: 6_000,
    client: { onFailure: 'retry', retries: 1, followRetryAfter: true },
  },
  afterLoad: 'backfill-invoices',
  expectAlerts: {
    broken: [
      'OrdersOutpacePayments',
      'InvoicesBehindPayments',
      'PaymentEventsNotConsumed',
      'PaymentsWithoutInvoice',
      'OrdersChargedStalePrice',
    ],
    fixed: [
      'PaymentsAbandoned',
      'DeadLetterQueueNotEmpty',
      'UnroutableEvents',
      'PaymentsWithoutInvoice',
      'CacheWritesFailing',
    ],
    resolvedByRepair: ['PaymentsWithoutInvoice', 'DeadLetterQueueNotEmpty'],
    waitS: 150,
  },
  phases: {
    broken: {},
    fixed: SILENT_FIXES,
  },
};
