import type { Act, ClientBehaviour, Scenario } from '@incident-lab/scenarios';
import { scaleRates } from '@incident-lab/scenarios';
import type { TraceViewer } from '../report/links';

/** How one `lab run` is carried out: the scenario's load, as overridden on the command line. */
export interface RunSettings {
  seed: number;
  /** Overrides every act's duration. */
  durationS?: number;
  /** Overrides every act's total arrival rate, keeping its mix. */
  ratePerS?: number;
  /** Overrides what the simulated clients do on a timeout or error. */
  client?: ClientBehaviour;
  /** Where trace links open (Jaeger when it runs, the lab console otherwise). */
  traces: TraceViewer;
  grafanaUrl: string;
  prometheusUrl?: string;
  log: (line: string) => void;
  /** The live status line (rewritten in place on a terminal); '' ends it. */
  progress: (line: string) => void;
  annotate: (text: string) => Promise<void>;
  /**
   * Starts the lab console for a lab the run starts itself (as `lab up` does), so its services have
   * somewhere to send their traces; undefined when it cannot (its port is taken).
   */
  startConsole?: () => Promise<{ serviceEnv: Record<string, string>; stop(): Promise<void> } | undefined>;
}

/** The scenario's acts with the command line's overrides applied. */
export function actsToRun(scenario: Scenario, settings: Pick<RunSettings, 'durationS' | 'ratePerS'>): Act[] {
  return scenario.load.acts.map((act) => ({
    ...act,
    durationS: settings.durationS ?? act.durationS,
    ratePerS: settings.ratePerS ? scaleRates(act.ratePerS, settings.ratePerS) : act.ratePerS,
  }));
}

/**
 * Every flag, with its value for this phase and act: the act's faults over the phase's flags over
 * the scenario's faults over the baseline (the shipped variants). Setting them all each time means
 * nothing lingers from the previous act or phase, or from what a learner left on.
 */
export function flagsFor(
  scenario: Scenario,
  phaseFlags: Record<string, string>,
  act: Act,
  baseline: Record<string, string>,
): Record<string, string> {
  const touched = new Set([
    ...Object.keys(baseline),
    ...Object.keys(scenario.faults),
    ...Object.keys(scenario.phases.broken),
    ...Object.keys(scenario.phases.fixed),
    ...Object.keys(phaseFlags),
    ...scenario.load.acts.flatMap((each) => Object.keys(each.faults)),
  ]);
  return Object.fromEntries(
    [...touched].map((key) => [
      key,
      act.faults[key] ?? phaseFlags[key] ?? scenario.faults[key] ?? (baseline[key] as string),
    ]),
  );
}
