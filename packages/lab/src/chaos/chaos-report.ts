import { type ChaosExperiment, holds, type InvariantName, type Probe } from '@incident-lab/scenarios';
import type { CheckoutEnd } from './careful-client';
import type { FaultRecord } from './faults';

export type ChaosPhaseName = 'broken' | 'fixed';

/** Per second of the load: what the checkouts' attempts got back. */
export interface ChaosSecond {
  s: number;
  /** 201/202: the shop took the order on. */
  accepted: number;
  /** 402 and other 4xx: definitive refusals. */
  refused: number;
  /** 409: another attempt with the key is running (the client waits and retries). */
  inFlight: number;
  /** 5xx, no answer, a timeout: the client must retry. */
  failed: number;
}

export interface ChaosPhase {
  flags: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  loadS: number;
  faults: FaultRecord[];
  clients: {
    checkouts: number;
    ends: Record<CheckoutEnd, number>;
    /** Share of checkouts whose customer knows where they stand (0..1). */
    definitiveShare: number;
    attempts: number;
    /** Answered 201/202, and not PAID at the end (read after the shop settled). */
    acceptedThenLost: string[];
    /** Checkouts still without an answer when their client stopped: the keys, to look up. */
    gaveUp: string[];
  };
  timeline: ChaosSecond[];
  settle: { seconds: number; quiet: boolean; reconcilerRuns: number };
  invariants: Record<InvariantName, number>;
  findings: Record<InvariantName, string[]>;
  services: Array<{ service: string; stops: number; slowestRecoveryMs: number | null }>;
  hypothesis: {
    passed: boolean;
    probes: Array<{ name: string; value: number; limit: string; passed: boolean }>;
  };
  links: { grafana: string; traces: { viewer: string; failed: string[] } };
}

export interface ChaosReport {
  experiment: string;
  title: string;
  summary: string;
  seed: number;
  checkouts: number;
  ratePerS: number;
  startedAt: string;
  phases: Partial<Record<ChaosPhaseName, ChaosPhase>>;
  notes: string[];
}

/** The slowest recovery of any stopped service in the phase, in seconds (0 when none was stopped). */
function slowestRecoveryS(faults: FaultRecord[]): number {
  const all = faults.flatMap((fault) => fault.recoveries.map((each) => each.ms ?? Number.POSITIVE_INFINITY));
  return all.length === 0 ? 0 : Math.max(...all) / 1000;
}

function measure(probe: Probe, phase: Omit<ChaosPhase, 'hypothesis'>): number {
  switch (probe.measure.kind) {
    case 'invariant':
      return phase.invariants[probe.measure.name];
    case 'definitive-share':
      return phase.clients.definitiveShare;
    case 'accepted-then-lost':
      return phase.clients.acceptedThenLost.length;
    case 'slowest-recovery-s':
      return slowestRecoveryS(phase.faults);
    case 'ended':
      return phase.clients.ends[probe.measure.end];
    default:
      throw new Error(`${probe.name}: lab chaos does not measure ${probe.measure.kind} (a lab run measure)`);
  }
}

/** Judges each claim of the experiment against the phase. */
export function judge(
  experiment: ChaosExperiment,
  phase: Omit<ChaosPhase, 'hypothesis'>,
): ChaosPhase['hypothesis'] {
  const probes = experiment.hypothesis.map((probe) => {
    const value = measure(probe, phase);
    const passed = holds(probe, value);
    const limit = 'atLeast' in probe ? `≥ ${probe.atLeast}` : `≤ ${probe.atMost}`;
    return { name: probe.name, value: Math.round(value * 1000) / 1000, limit, passed };
  });
  return { passed: probes.every((probe) => probe.passed), probes };
}
