import type { ProviderFlags } from '../flags';

export interface Faults {
  outage: boolean;
  latencyMs: number;
  errorRate: number;
  /** Share of charges (0..1) whose response is dropped after charging. */
  dropRate: number;
}

/** The fault flags as they apply to this instance in a snapshot (all off unless it is targeted). */
export function currentFaults(flags: ProviderFlags, instance: 'primary' | 'backup'): Faults {
  const target = flags['provider-fault-target'];
  if (target !== instance && target !== 'both')
    return { outage: false, latencyMs: 0, errorRate: 0, dropRate: 0 };
  return {
    outage: flags['provider-outage'],
    latencyMs: flags['provider-latency-ms'],
    errorRate: flags['provider-error-rate'],
    dropRate: flags['provider-drop-response'],
  };
}
