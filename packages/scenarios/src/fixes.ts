/**
 * Each lab's fixes, as its fixed phase turns them on: defined here once. A lab's broken phase is
 * the same flags at their shipped variants (every fix off), which `lab run` and `lab chaos` read
 * from the shipped flag file.
 */
export const CASCADING_FIXES = {
  'db-query-timeout': 'on',
  'db-pool-shedding': 'on',
  'reports-bulkhead': 'on',
  'http-timeouts': 'on',
  'retry-policy': 'backoff',
  'provider-circuit-breaker': 'on',
};

export const PARTIAL_FIXES = {
  'idempotency-keys': 'on',
  'idempotent-consumer': 'on',
  outbox: 'on',
  'reconciler-repair': 'on',
};

export const SILENT_FIXES = {
  'invoicing-dead-letter': 'on',
  'unroutable-guard': 'on',
  'abandoned-payments': 'on',
  'cache-write-checks': 'on',
};

/** Every fix of every lab, on: the shop as it should run (`lab chaos`'s fixed phase). */
export const EVERY_FIX: Record<string, string> = { ...CASCADING_FIXES, ...PARTIAL_FIXES, ...SILENT_FIXES };
