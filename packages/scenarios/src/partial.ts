import { PARTIAL_FIXES } from './fixes';
import {
  EVERY_ORDER_SETTLED,
  EVERY_PAYMENT_INVOICED,
  NO_CHARGE_WITHOUT_PAID_ORDER,
  NO_DOUBLE_CHARGE,
  NO_PAID_ORDER_WITHOUT_CHARGE,
} from './probes';
import type { Scenario } from './scenario';

/**
 * Lab 2. Act one: the primary provider charges but every answer is lost on the way back. Act two: it is down,
 * and payments queues the charges for its worker. Act three: it is back, and the worker drains the
 * queue while dying on every fourth message between committing and publishing. The fixed phase adds
 * idempotency keys, an idempotent consumer, the outbox and the reconciler's repairs; then the
 * reconciler runs once and the ledger must match every order.
 */
export const partial: Scenario = {
  name: 'partial',
  title: 'Lab 2 — Partial failures: charged twice, or charged and not paid',
  summary:
    'Checkout against a provider whose answers are all lost after it charged, then is down while payments ' +
    'queues charges, then is back while the payments worker crashes between commit and publish. Broken: no ' +
    'idempotency, a worker that charges every message, events published after the commit, a reconciler that ' +
    'only reports. Fixed: Idempotency-Key end to end, an idempotent consumer, a transactional outbox and a ' +
    'reconciler that completes, fails or refunds from the provider ledger.',
  dashboardUid: 'lab-2-partial',
  seedOrders: 0,
  hypothesis: [
    { ...NO_DOUBLE_CHARGE, headline: 'orders whose card was charged twice' },
    { ...NO_CHARGE_WITHOUT_PAID_ORDER, headline: 'cards charged for an order that is not PAID' },
    NO_PAID_ORDER_WITHOUT_CHARGE,
    EVERY_ORDER_SETTLED,
    EVERY_PAYMENT_INVOICED,
  ],
  compare: { endpoint: 'checkout' },
  faults: { 'payments-queue-when-provider-down': 'on', 'http-timeouts': 'on' },
  load: {
    warmupS: 2,
    acts: [
      {
        name: 'lost-responses',
        durationS: 20,
        ratePerS: { checkout: 3, products: 1 },
        faults: { 'provider-drop-response': 'all' },
      },
      {
        name: 'provider-outage',
        durationS: 15,
        ratePerS: { checkout: 3, products: 1 },
        // The crash fault is in force before the provider comes back: services notice a flag change
        // one by one, and a worker that saw the provider return before its own crash flag would drain
        // the whole queue without dying once.
        faults: { 'provider-outage': 'on', 'payments-crash': 'before-publish' },
      },
      {
        name: 'worker-crashes',
        durationS: 15,
        ratePerS: { checkout: 3, products: 1 },
        faults: { 'payments-crash': 'before-publish' },
      },
    ],
    clientTimeoutMs: 10_000,
    // A customer whose payment failed or timed out tries again, with the same purchase.
    client: { onFailure: 'retry', retries: 1, followRetryAfter: true },
  },
  afterLoad: 'reconcile',
  phases: {
    broken: {},
    fixed: PARTIAL_FIXES,
  },
};
