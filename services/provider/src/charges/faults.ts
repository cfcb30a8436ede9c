import type { FlagReader } from '@incident-lab/flags';

export interface Faults {
  outage: boolean;
  latencyMs: number;
  errorRate: number;
  dropResponse: boolean;
}

/** The fault flags as they apply to this instance right now (all off unless it is targeted). */
export async function currentFaults(flags: FlagReader, instance: 'primary' | 'backup'): Promise<Faults> {
  const target = await flags.string<'primary' | 'backup' | 'both'>('provider-fault-target', 'primary');
  const [outage, latencyMs, errorRate, dropResponse] = await Promise.all([
    flags.bool('provider-outage', false),
    flags.number('provider-latency-ms', 0),
    flags.number('provider-error-rate', 0),
    flags.bool('provider-drop-response', false),
  ]);
  if (target !== instance && target !== 'both')
    return { outage: false, latencyMs: 0, errorRate: 0, dropResponse: false };
  return { outage, latencyMs, errorRate, dropResponse };
}
