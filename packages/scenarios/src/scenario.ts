/**
 * A lab as data, in the spirit of a chaos experiment: what "healthy" means (the hypothesis), what
 * is done to the shop (faults and load), and the two phases that differ only in their flags.
 * The k6 scripts read the same files as the lab CLI (they import this one for its types only).
 */
import type { EndpointGroup } from './shop-load';

/** The shop's endpoints as the load sees them (`shop-load.ts`, which k6 loads as it is). */
export { ENDPOINT_GROUPS, type EndpointGroup } from './shop-load';

/** How a simulated client reacts to a timeout or an error, like real users and client apps. */
export type ClientBehaviour =
  | { onFailure: 'give-up' }
  /** Try again up to `retries` times: at once, or after the server's Retry-After when it gives one. */
  | { onFailure: 'retry'; retries: number; followRetryAfter: boolean };

/** One stretch of a phase: its own traffic mix, and faults on top of the scenario's. */
export interface Act {
  name: string;
  /** Seconds of traffic measured in this act. */
  durationS: number;
  /** Open model: arrivals per second per endpoint, whether or not earlier requests have finished. */
  ratePerS: Partial<Record<EndpointGroup, number>>;
  faults: Record<string, string>;
}

export interface Load {
  /** Seconds of traffic before measuring (first act's mix), to fill pools and caches. */
  warmupS: number;
  /** The acts, one after the other, in every phase. */
  acts: Act[];
  /** A client gives up on a request after this long and counts it as a timeout. */
  clientTimeoutMs: number;
  client: ClientBehaviour;
}

/** The lab's processes: where a fault can strike and a cause can sit. */
export type ShopProcess =
  | 'storefront'
  | 'payments'
  | 'provider-primary'
  | 'provider-backup'
  | 'invoicing'
  | 'reconciler';

/**
 * What a probe reads. `lab run` reads a phase's requests (per endpoint, per act when the scenario has
 * several) and the audit; `lab chaos` reads its careful clients, its faults and the audit.
 */
export type Measure =
  /** `of: 'first-answer'` reads how fast the shop answered the first try (a refusal counts), not the whole wait with retries. */
  | {
      kind: 'latency';
      endpoint: EndpointGroup;
      act?: string;
      percentile: 'p50' | 'p95' | 'p99';
      of?: 'user' | 'first-answer';
    }
  | { kind: 'errorRate'; endpoint: EndpointGroup; act?: string }
  | { kind: 'successRate'; endpoint: EndpointGroup; act?: string }
  /** An audit finding (`lab check`), counted. */
  | { kind: 'invariant'; name: InvariantName }
  /** Checkouts that ended with a definitive answer (PAID, or a final 4xx), as a share of all. */
  | { kind: 'definitive-share' }
  /** Checkouts answered 201/202 whose order did not end PAID: accepted, then lost. */
  | { kind: 'accepted-then-lost' }
  /** The longest a killed service took to answer ready again, in seconds. */
  | { kind: 'slowest-recovery-s' }
  /** Checkouts that ended this way, e.g. `failed`: refused a payment although no card is declined here. */
  | { kind: 'ended'; end: 'failed' | 'gave-up' | 'pending' }
  /** How much a service's counter (`/metrics`, summed over the series with these labels) went up. */
  | { kind: 'counter'; service: ShopProcess; metric: string; labels?: Record<string, string> };

/** Where an act's endpoint results sit in a report: `login`, or `report-storm:login` with several acts. */
export function resultKey(endpoint: EndpointGroup, act: string | undefined): string {
  return act ? `${act}:${endpoint}` : endpoint;
}

/**
 * A claim of the steady-state hypothesis, in one shape for `lab run` and `lab chaos`: healthy while
 * what it measures stays at most `atMost` (latency in ms, rates 0..1, counts) or at least `atLeast`.
 */
export type Probe = {
  name: string;
  measure: Measure;
  /**
   * Part of the lab's headline: the report opens with this probe, in these plain words, broken → fixed
   * (two or three per lab: the numbers that carry its lesson).
   */
  headline?: string;
} & ({ atMost: number } | { atLeast: number });

/** Whether a measured value keeps the probe's claim. */
export function holds(probe: Probe, value: number): boolean {
  return 'atLeast' in probe ? value >= probe.atLeast : value <= probe.atMost;
}

export type InvariantName =
  | 'doubleCharges'
  | 'paidWithoutCharge'
  | 'chargedNotPaid'
  | 'paymentsWithoutInvoice'
  | 'unconsumedEvents'
  | 'deadLettered'
  /** Checkout orders still PENDING: nobody settled them, whatever the card says. */
  | 'pendingOrders'
  /** Checkout orders PENDING that payments never heard of, with no charge request owed: nobody will pay them. */
  | 'ordersWithoutPayment'
  /** Completed payments with no invoice and no parked message saying why: lost without a trace. */
  | 'unaccountedPayments'
  /** Purchases (one Idempotency-Key of one customer) with more than one charge on the card. */
  | 'purchasesChargedTwice'
  /** Purchases with more than one order: a retry that started over. */
  | 'duplicateOrders'
  /** Payments that are not FAILED yet not the payment their settled order stands on (or with no order). */
  | 'orphanPayments'
  /** Idempotency keys still IN_FLIGHT though nobody holds them: the lease passed or was released. */
  | 'stuckKeys'
  /** Orders checkout answered 202 PENDING (a promise) that ended FAILED: accepted, then lost. */
  | 'acceptedThenFailed'
  /** Paid orders charged at a price the catalogue no longer had when they were placed, with no decision recorded. */
  | 'staleOrderPrices';

export interface Scenario {
  name: string;
  title: string;
  summary: string;
  /** Grafana dashboard uid the report links to with each phase's time range. */
  dashboardUid: string;
  /** Historical orders the lab needs (the sales report's cost grows with them). */
  seedOrders: number;
  hypothesis: Probe[];
  /** Flags set in both phases and every act: the faults the lab injects throughout. */
  faults: Record<string, string>;
  load: Load;
  /**
   * The repair after the load, audited before and after (the report shows both):
   * `reconcile`, the reconciler's next run over every PENDING order, brought forward (its flag
   * decides whether it repairs or only reports); `backfill-invoices`, in the fixed phase, the
   * faults turned off (the bug fixed) and then `lab backfill invoices`.
   */
  afterLoad?: 'reconcile' | 'backfill-invoices';
  /**
   * Alerts each phase should fire. With a Prometheus configured (LAB_PROMETHEUS_URL, or
   * `--observe`), `lab run` waits up to `waitS` for them after the load, and after a repair waits
   * for `resolvedByRepair` to resolve.
   */
  expectAlerts?: { broken: string[]; fixed: string[]; resolvedByRepair: string[]; waitS: number };
  /** Flags per phase; everything else is identical between them. */
  phases: { broken: Record<string, string>; fixed: Record<string, string> };
  /**
   * What the report calls the two phases when they are not broken and fixed (smoke runs the same
   * healthy shop twice); `report.json` keeps the keys `broken` and `fixed`.
   */
  phaseNames?: { broken: string; fixed: string };
  /**
   * The request whose broken and fixed traces the report and the console show side by side: the
   * slowest (or failed) of this endpoint in this act, in each phase.
   */
  compare?: { endpoint: EndpointGroup; act?: string };
}
