import type { FlagDefaults } from '@incident-lab/flags';

/** The flags payments applies, with the value it falls back to when they cannot be read. */
export const PAYMENTS_FLAGS = {
  'payments-queue-when-provider-down': false,
  'http-timeouts': false,
  'retry-policy': 'immediate',
  'provider-circuit-breaker': false,
  'idempotency-keys': false,
  'idempotent-consumer': false,
  outbox: false,
  'payments-crash': 'off',
  'payments-event-rename': false,
  'unroutable-guard': false,
} satisfies FlagDefaults;
