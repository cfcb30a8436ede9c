import type { FlagDefaults, FlagSnapshot } from '@incident-lab/flags';

/**
 * `reconciler-repair` off: the job only reports overdue orders (the broken shop); on: it repairs and
 * compensates. `reconciler-job-fault` makes every run fail, as a job does after a schema change.
 */
export const RECONCILER_FLAGS = {
  'reconciler-repair': false,
  'reconciler-job-fault': false,
} satisfies FlagDefaults;

/** The reconciler's flags at one moment: what one run goes by. */
export type ReconcilerFlags = FlagSnapshot<typeof RECONCILER_FLAGS>;
