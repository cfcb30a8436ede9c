import type { FlagDefaults } from '@incident-lab/flags';

/** Off: the job only reports overdue orders (the broken shop). On: it repairs and compensates. */
export const RECONCILER_FLAGS = {
  'reconciler-repair': false,
} satisfies FlagDefaults;
