import { EVERY_FIX } from './fixes';
import {
  EVERY_ORDER_SETTLED,
  EVERY_PAYMENT_INVOICED,
  NO_CHARGE_WITHOUT_PAID_ORDER,
  NO_DOUBLE_CHARGE,
  NO_PAID_ORDER_WITHOUT_CHARGE,
} from './probes';
import type { Probe, ShopProcess } from './scenario';

/**
 * `lab chaos`: not one fault and its fix, but the faults real systems see — processes killed, database
 * and broker connections cut, a provider outage, a rolling restart — thrown at a shop with every fix
 * on, while careful clients buy. Fixed means fixed: no accepted order lost, nobody charged twice,
 * and the audit would see it if it happened. Plain data, like the scenarios.
 */

export type ChaosFault =
  /** SIGKILL: no drain, no goodbye; the supervisor starts it again. */
  | { kind: 'kill'; service: ShopProcess }
  /** KILL every MySQL connection of the lab (its schemas only: other labs share the server). */
  | { kind: 'kill-mysql-connections' }
  /** Close every AMQP connection of the lab (by the namespace in their names), as a network cut would. */
  | { kind: 'close-amqp-connections' }
  /** The primary provider answers 503 for this long. */
  | { kind: 'provider-outage'; durationS: number }
  /** SIGTERM each service in turn, waiting until it is ready again: a deploy. */
  | { kind: 'rolling-restart' }
  /** Stop and start the whole RabbitMQ application: only with `--broker-restart`, on a machine of one's own. */
  | { kind: 'restart-broker' };

/**
 * What a careful client does: one Idempotency-Key per checkout; on a network error, a 5xx or a 409
 * it retries the same key with exponential backoff and full jitter (or the server's Retry-After
 * when that is longer), for up to `retryForS`; after a 202 it asks for the order until it is
 * settled, for up to `pollForS`.
 */
export interface CarefulClient {
  retryForS: number;
  backoffMs: { first: number; max: number };
  pollForS: number;
  /** One attempt gives up after this long (and counts as a network error). */
  attemptTimeoutMs: number;
}

export interface ChaosExperiment {
  name: string;
  title: string;
  summary: string;
  /** Checkouts in a full run, at `ratePerS` (Poisson arrivals); `--checkouts` scales the faults with them. */
  checkouts: number;
  ratePerS: number;
  client: CarefulClient;
  /** How many of each fault a full run spreads over its load, at seeded times. */
  faults: Array<{ fault: ChaosFault; times: number }>;
  hypothesis: Probe[];
  /** After the load, how long the shop may take to settle before it is audited, in seconds. */
  settleS: number;
  /**
   * Flags of both phases (the shop's settings), and of each phase; every other flag is at its shipped
   * variant (every fault off: the faults here are the experiment's), and the broken phase has every fix
   * of the fixed one at its shipped variant.
   */
  shop: Record<string, string>;
  phases: { broken: Record<string, string>; fixed: Record<string, string> };
}

export const chaos: ChaosExperiment = {
  name: 'chaos',
  title: 'Fixed means fixed: crashes, cut connections and restarts under careful clients',
  summary:
    'Careful clients buy at 5 checkouts a second while payments is killed three times, provider-primary and ' +
    'invoicing twice, storefront and the reconciler once; the lab’s MySQL connections are killed five times and ' +
    'its RabbitMQ connections closed three times; the primary provider is down for 30 s; every service is ' +
    'restarted in turn. Broken: every fix off. Fixed: every fix on. Then the shop settles and is audited.',
  checkouts: 500,
  ratePerS: 5,
  client: { retryForS: 60, backoffMs: { first: 250, max: 8_000 }, pollForS: 120, attemptTimeoutMs: 15_000 },
  faults: [
    { fault: { kind: 'kill', service: 'payments' }, times: 3 },
    { fault: { kind: 'kill', service: 'provider-primary' }, times: 2 },
    { fault: { kind: 'kill', service: 'invoicing' }, times: 2 },
    { fault: { kind: 'kill', service: 'storefront' }, times: 1 },
    { fault: { kind: 'kill', service: 'reconciler' }, times: 1 },
    { fault: { kind: 'kill-mysql-connections' }, times: 5 },
    { fault: { kind: 'close-amqp-connections' }, times: 3 },
    { fault: { kind: 'provider-outage', durationS: 30 }, times: 1 },
    { fault: { kind: 'rolling-restart' }, times: 1 },
  ],
  hypothesis: [
    {
      name: 'no purchase charged twice',
      measure: { kind: 'invariant', name: 'purchasesChargedTwice' },
      atMost: 0,
    },
    NO_DOUBLE_CHARGE,
    {
      name: 'no purchase made into two orders',
      measure: { kind: 'invariant', name: 'duplicateOrders' },
      atMost: 0,
    },
    { name: 'no accepted order lost (client view)', measure: { kind: 'accepted-then-lost' }, atMost: 0 },
    // No card is ever declined in this experiment: a 402 is a fault the shop passed on to its customer.
    {
      name: 'no sale lost to a fault (402 though no card is declined)',
      measure: { kind: 'ended', end: 'failed' },
      atMost: 0,
    },
    {
      name: 'no order promised PENDING then failed',
      measure: { kind: 'invariant', name: 'acceptedThenFailed' },
      atMost: 0,
    },
    NO_CHARGE_WITHOUT_PAID_ORDER,
    NO_PAID_ORDER_WITHOUT_CHARGE,
    EVERY_ORDER_SETTLED,
    { name: 'no orphan payment', measure: { kind: 'invariant', name: 'orphanPayments' }, atMost: 0 },
    {
      name: 'no idempotency key stuck in flight',
      measure: { kind: 'invariant', name: 'stuckKeys' },
      atMost: 0,
    },
    EVERY_PAYMENT_INVOICED,
    {
      name: 'no event lost or left unconsumed',
      measure: { kind: 'invariant', name: 'unconsumedEvents' },
      atMost: 0,
    },
    { name: 'nothing dead-lettered', measure: { kind: 'invariant', name: 'deadLettered' }, atMost: 0 },
    {
      name: '99 % of checkouts end with a definitive answer',
      measure: { kind: 'definitive-share' },
      atLeast: 0.99,
    },
    {
      name: 'every killed service ready again within 10 s',
      measure: { kind: 'slowest-recovery-s' },
      atMost: 10,
    },
  ],
  settleS: 120,
  // In both phases: the shop accepts a charge for later while the provider cannot be reached, and
  // the provider takes 0.8 s per charge, as card networks do, so faults find charges in flight.
  shop: { 'provider-latency-ms': 'slow', 'payments-queue-when-provider-down': 'on' },
  phases: { broken: {}, fixed: EVERY_FIX },
};
