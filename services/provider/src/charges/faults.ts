import type { FlagDefaults, FlagReader } from '@incident-lab/flags';

/** The fault flags every provider instance applies; all off unless set. */
export const PROVIDER_FLAGS = {
  'provider-fault-target': 'primary',
  'provider-outage': false,
  'provider-latency-ms': 0,
  'provider-error-rate': 0,
  'provider-drop-response': 0,
} satisfies FlagDefaults;

export interface Faults {
  outage: boolean;
  latencyMs: number;
  errorRate: number;
  /** Share of charges (0..1) whose response is dropped after charging. */
  dropRate: number;
}

/** The fault flags as they apply to this instance right now (all off unless it is targeted). */
export async function currentFaults(flags: FlagReader, instance: 'primary' | 'backup'): Promise<Faults> {
  const target = await flags.string<'primary' | 'backup' | 'both'>('provider-fault-target');
  const [outage, latencyMs, errorRate, dropRate] = await Promise.all([
    flags.bool('provider-outage'),
    flags.number('provider-latency-ms'),
    flags.number('provider-error-rate'),
    flags.number('provider-drop-response'),
  ]);
  if (target !== instance && target !== 'both')
    return { outage: false, latencyMs: 0, errorRate: 0, dropRate: 0 };
  return { outage, latencyMs, errorRate, dropRate };
}
