import type { FlagDefaults, FlagSnapshot } from '@incident-lab/flags';

/** The fault flags every provider instance applies, with the value it falls back to; all off unless set. */
export const PROVIDER_FLAGS = {
  'provider-fault-target': 'primary' as 'primary' | 'backup' | 'both',
  'provider-outage': false,
  'provider-latency-ms': 0,
  'provider-error-rate': 0,
  'provider-drop-response': 0,
} satisfies FlagDefaults;

/** The provider's flags at one moment: what one charge goes by. */
export type ProviderFlags = FlagSnapshot<typeof PROVIDER_FLAGS>;
