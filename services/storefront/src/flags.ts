import type { FlagDefaults } from '@incident-lab/flags';

/**
 * The switches storefront applies, all off by default: the broken shop of the cascading lab
 * (no query timeout, an unbounded pool queue, one pool for everything, no HTTP timeout) and of the
 * partial-failure lab (checkout ignores Idempotency-Key and fails an order when payments is silent).
 */
export const STOREFRONT_FLAGS = {
  'db-query-timeout': false,
  'db-pool-shedding': false,
  'reports-bulkhead': false,
  'http-timeouts': false,
  'idempotency-keys': false,
} satisfies FlagDefaults;
