import type { FlagDefaults, FlagSnapshot } from '@incident-lab/flags';
import { flagsOf } from '@incident-lab/service-kit';
import type { Response } from 'express';

/**
 * The switches storefront applies, all off by default: the broken shop of the cascading lab
 * (no query timeout, an unbounded pool queue, one pool for everything, no HTTP timeout) and of the
 * partial-failure lab (checkout ignores Idempotency-Key and fails an order when payments is silent),
 * and of the silent lab (orders that never reach payments stay PENDING, uncounted; a cache write
 * refused after a price change leaves the old price cached, and charged).
 */
export const STOREFRONT_FLAGS = {
  'db-query-timeout': false,
  'db-pool-shedding': false,
  'reports-bulkhead': false,
  'http-timeouts': false,
  'idempotency-keys': false,
  'checkout-handoff-lost': false,
  'abandoned-payments': false,
  'cache-write-refused': false,
  'cache-write-checks': false,
} satisfies FlagDefaults;

/** Storefront's flags at one moment: what one request, message or run goes by. */
export type StorefrontFlags = FlagSnapshot<typeof STOREFRONT_FLAGS>;

/** The flags in force for this request (service-kit took the snapshot when it arrived). */
export const storefrontFlagsOf = (response: Response): StorefrontFlags => flagsOf<StorefrontFlags>(response);
