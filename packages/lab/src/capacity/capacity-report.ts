import type { CapacityExperiment } from '@incident-lab/scenarios';
import type { StepResult } from './capacity-steps';

export type CapacityPhaseName = 'broken' | 'fixed';

/** One second of the overload (2×, 4×, then 0.5×), by the requests that started in it. */
export interface OverloadSecond {
  s: number;
  offered: number;
  served: number;
  shed: number;
  failed: number;
}

export interface CapacityClaim {
  name: string;
  limit: string;
  /** The measured value in words (`47.5 of 50 req/s (95 %)`, `3 s`, `not within 30 s`). */
  value: string;
  passed: boolean;
}

export interface CapacityPhase {
  flags: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  /** The steps up, in order; the last one missed the objective (or reached the search's limit). */
  search: StepResult[];
  /** The highest rate that kept the objective (req/s); undefined when the first step missed it. */
  capacityPerS?: number;
  /** The rate the overload's factors multiply: this phase's capacity, or the fixed phase's when both ran. */
  overloadBasePerS?: number;
  overload: StepResult[];
  /** Seconds after the overload until every second was healthy again; null when not within the last step. */
  recoveryS: number | null;
  timeline: OverloadSecond[];
  /** `lab check` after the shop settled: what the load left wrong. */
  invariants: Record<string, number>;
  claims: CapacityClaim[];
  passed: boolean;
  links: { grafana: string; slowestTraces: string[]; failedTraces: string[] };
}

export interface CapacityReport {
  experiment: string;
  title: string;
  summary: string;
  seed: number;
  startedAt: string;
  machine: { cpus: number; node: string };
  settings: Pick<CapacityExperiment, 'mix' | 'objective' | 'stepUp' | 'overload' | 'clientTimeoutMs'>;
  phases: Partial<Record<CapacityPhaseName, CapacityPhase>>;
  notes: string[];
}

/** The claims a shop that holds its load keeps; the broken phase is judged by the same ones. */
export function judgeCapacity(
  experiment: CapacityExperiment,
  phase: Pick<CapacityPhase, 'overloadBasePerS' | 'overload' | 'recoveryS' | 'invariants'>,
): CapacityClaim[] {
  const { claims } = experiment;
  const peakFactor = Math.max(...experiment.overload.factors);
  const peak = phase.overload.find((step) => step.kind === 'overload' && step.name === `${peakFactor}×`);
  const base = phase.overloadBasePerS;
  const share = peak && base ? peak.goodputPerS / base : 0;
  const after = phase.overload.find((step) => step.kind === 'after');
  const twice = (phase.invariants.doubleCharges ?? 0) + (phase.invariants.purchasesChargedTwice ?? 0);
  return [
    {
      name: `goodput at ${peakFactor}× stays near capacity`,
      limit: `≥ ${Math.round(claims.goodputShareAtPeak * 100)} % of capacity`,
      value:
        peak && base
          ? `${peak.goodputPerS} of ${base} req/s (${Math.round(share * 100)} %)`
          : 'no capacity found, no overload run',
      passed: share >= claims.goodputShareAtPeak,
    },
    {
      name: 'healthy again soon after the overload',
      limit: `≤ ${claims.recoveryS} s`,
      value:
        phase.recoveryS === null
          ? `not within ${after?.durationS ?? 0} s`
          : after
            ? `${phase.recoveryS} s`
            : 'no overload run',
      passed: after !== undefined && phase.recoveryS !== null && phase.recoveryS <= claims.recoveryS,
    },
    {
      name: 'no card charged twice',
      limit: '0',
      value: String(twice),
      passed: twice === 0,
    },
  ];
}
