import type { ChaosExperiment, ChaosFault } from '@incident-lab/scenarios';
import { seededRandom } from '@incident-lab/scenarios';

export interface ScheduledFault {
  /** Seconds after the load starts. */
  atS: number;
  fault: ChaosFault;
}

/** A provider outage is never shorter than this, however short the run. */
const MIN_OUTAGE_S = 5;
/** Kills of one service keep this far apart, so each finds it running again. */
const SAME_SERVICE_GAP_S = 12;

/**
 * When each fault strikes: the experiment's faults, scaled to the run's size (at least one of each
 * kind), at seeded times between 5 % and 85 % of the load, so the same seed gives the same schedule
 * in both phases. `--broker-restart` adds one restart of the whole broker.
 */
export function faultSchedule(
  experiment: ChaosExperiment,
  options: { checkouts: number; loadS: number; seed: number; brokerRestart: boolean },
): ScheduledFault[] {
  const scale = options.checkouts / experiment.checkouts;
  const random = seededRandom(options.seed * 7919 + 17);
  const at = () => options.loadS * (0.05 + 0.8 * random());
  const schedule: ScheduledFault[] = [];
  const entries = [...experiment.faults];
  if (options.brokerRestart) entries.push({ fault: { kind: 'restart-broker' }, times: 1 });
  for (const { fault, times } of entries) {
    const count = Math.max(1, Math.round(times * scale));
    const placed: number[] = [];
    for (let i = 0; i < count; i++) {
      let atS = at();
      // Re-draw (a few times) a kill too close to the last kill of the same service.
      for (
        let tries = 0;
        tries < 20 && placed.some((other) => Math.abs(other - atS) < SAME_SERVICE_GAP_S);
        tries++
      )
        atS = at();
      placed.push(atS);
      const scaled =
        fault.kind === 'provider-outage'
          ? { ...fault, durationS: Math.max(MIN_OUTAGE_S, Math.round(fault.durationS * Math.min(1, scale))) }
          : fault;
      schedule.push({ atS: Math.round(atS * 10) / 10, fault: scaled });
    }
  }
  return schedule.sort((a, b) => a.atS - b.atS);
}

/** A fault as a person would name it: `kill payments`, `provider-outage 30 s`. */
export function describeFault(fault: ChaosFault): string {
  switch (fault.kind) {
    case 'kill':
      return `kill ${fault.service}`;
    case 'provider-outage':
      return `provider-outage ${fault.durationS} s`;
    default:
      return fault.kind;
  }
}
