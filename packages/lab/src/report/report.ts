import type { StoredSpan } from '@incident-lab/console';
import type { EndpointGroup, InvariantName } from '@incident-lab/scenarios';
import type { Audit } from '../audit/invariants';

export type PhaseName = 'broken' | 'fixed' | 'custom';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface EndpointSummary {
  requests: number;
  errorRate: number;
  timeoutRate: number;
  successRate: number;
  retries: number;
  /** What the user waited, retries included. */
  latencyMs: LatencySummary;
  /** How fast the shop answered the first try, whatever the answer. */
  firstAnswerMs: LatencySummary;
}

/** One endpoint's second of a phase: what the charts draw. */
export interface TimelinePoint {
  second: number;
  endpoint: EndpointGroup;
  requests: number;
  /** Answered with a 5xx, refused, or given up on by the client (a timeout). */
  failed: number;
  p95Ms: number;
  /** The p95 of the requests that succeeded; absent in a second where none did. */
  okP95Ms?: number;
}

/** A cause chart of the phase: the scenario's series from the services' /metrics, each second. */
export interface CauseChart {
  id: string;
  title: string;
  unit: string;
  /** Points are [seconds into the phase, value]. */
  series: Array<{ label: string; tone: string; points: Array<[number, number | null]> }>;
}

export interface ProbeResult {
  name: string;
  value: number;
  /** How the value reads: milliseconds, a share shown as %, or a count. */
  unit: 'ms' | 'share' | 'count';
  tolerance: string;
  passed: boolean;
  /** The plain words of a headline probe (the scenario's `headline`). */
  headline?: string;
}

/** One phase's results; the shape of `report.json` is kept stable for other tools. */
export interface PhaseReport {
  flags: Record<string, string>;
  durationS: number;
  startedAt: string;
  finishedAt: string;
  /** Keyed by endpoint (`login`), or by act and endpoint (`report-storm:login`) when there are several acts. */
  endpoints: Record<string, EndpointSummary>;
  invariants: Record<InvariantName, number>;
  findings: Audit['findings'];
  /** When the scenario runs the reconciler after the load: the audit before it, and what it did. */
  repair?: {
    invariantsBefore: Record<InvariantName, number>;
    actions: Record<string, number>;
    /** PENDING orders the shop settled itself (storefront's relay, a late event) while the pass ran. */
    settledByShop?: number;
  };
  /** Alerts firing after the load; `resolvedByRepair`, those the scenario's repair made resolve. */
  alerts: { firing: string[]; resolvedByRepair?: string[]; note?: string };
  hypothesis: { passed: boolean; probes: ProbeResult[] };
  /** `key`: the scenario's compare request in this phase (its slowest or failed one). */
  traces: { slowest: string[]; failed: string[]; key?: string };
  /** Each service's counters over the phase (`shop_*_total`, HTTP requests served, …). */
  server: Record<string, Record<string, number>>;
  timeline: TimelinePoint[];
  /** The causes over time (pool, retries, charges, invoices…), scraped each second during the load. */
  causes?: CauseChart[];
  links: { grafana: string; traces: { viewer: string; slowest: string[]; failed: string[] } };
}

/** One rung of a fix ladder: the broken shop with some fixes on, summed up for the ladder table. */
export interface LadderRung {
  /** "none (broken)", one fix as `key=value`, or "all fixes". */
  name: string;
  flags: Record<string, string>;
  hypothesis: PhaseReport['hypothesis'];
  invariants: PhaseReport['invariants'];
  /** HTTP requests storefront served during the rung, the clients' retries included. */
  served: number;
  /** What the scenario's repair after the load did (the reconciler's actions, the backfill), if any ran. */
  repairs?: Record<string, number>;
  startedAt: string;
  finishedAt: string;
  links: PhaseReport['links'];
}

export interface LabReport {
  lab: string;
  title: string;
  summary: string;
  seed: number;
  startedAt: string;
  load: {
    acts: Array<{
      name: string;
      durationS: number;
      ratePerS: Partial<Record<EndpointGroup, number>>;
      faults: Record<string, string>;
    }>;
    clientTimeoutMs: number;
    client: string;
  };
  phases: Partial<Record<PhaseName, PhaseReport>>;
  /** The scenario's names for its phases when they are not broken and fixed (smoke: run 1, run 2). */
  phaseNames?: { broken: string; fixed: string };
  /**
   * The scenario's compare request, broken beside fixed: both trace ids and, when the lab console
   * had them, their spans (the report draws them without the console).
   */
  compare?: {
    endpoint: string;
    act?: string;
    broken: string;
    fixed: string;
    links: { broken: string; fixed: string; compare: string };
    spans?: { broken: StoredSpan[]; fixed: StoredSpan[] };
  };
  /** `lab run --ladder`: broken, each fix alone, all fixes, in that order. */
  ladder?: LadderRung[];
  notes: string[];
}
