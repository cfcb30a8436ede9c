import type { Scenario } from '@incident-lab/scenarios';
import type { PhaseName } from '../report/report';

/** One phase of a run: its name in the report, its flags, and its rung when the run is a ladder. */
export interface PlannedPhase {
  name: PhaseName;
  flags: Record<string, string>;
  /** On a ladder: how the rung is named in the ladder table ("none (broken)", "outbox=on", "all fixes"). */
  rung?: string;
}

export interface RunPlan {
  scenario: Scenario;
  phases: PlannedPhase[];
  /** Broken, each fix alone, then all fixes: the report adds the ladder table and chart. */
  ladder?: boolean;
}

export interface PlanChoice {
  phase: 'broken' | 'fixed' | 'both';
  /** `--flags`: one custom phase, broken but for these. */
  flags?: Record<string, string>;
  ladder?: boolean;
}

/**
 * The phases a `lab run` runs. "Broken" means every fix the lab teaches is off as shipped
 * (`shipped`: each flag's variant in the lab's own flag file), whatever a learner left on by hand
 * in the console or with `lab flags set`; a custom phase and each rung of a ladder are that broken
 * shop with only the fixes they name.
 */
export function planRun(scenario: Scenario, choice: PlanChoice, shipped: Record<string, string>): RunPlan {
  const fixes = Object.entries(scenario.phases.fixed);
  const broken = {
    ...Object.fromEntries(fixes.flatMap(([key]) => (shipped[key] ? [[key, shipped[key]]] : []))),
    ...scenario.phases.broken,
  };
  const fixed = { ...broken, ...scenario.phases.fixed };
  if (choice.ladder) {
    return {
      scenario,
      ladder: true,
      phases: [
        { name: 'broken', flags: broken, rung: 'none (broken)' },
        ...fixes.map(
          ([key, value]): PlannedPhase => ({
            name: 'custom',
            flags: { ...broken, [key]: value },
            rung: `${key}=${value}`,
          }),
        ),
        { name: 'fixed', flags: fixed, rung: 'all fixes' },
      ],
    };
  }
  if (choice.flags) return { scenario, phases: [{ name: 'custom', flags: { ...broken, ...choice.flags } }] };
  const both: PlannedPhase[] = [
    { name: 'broken', flags: broken },
    { name: 'fixed', flags: fixed },
  ];
  return { scenario, phases: both.filter((phase) => choice.phase === 'both' || choice.phase === phase.name) };
}
