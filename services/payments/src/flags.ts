import type { FlagDefaults, FlagSnapshot } from '@incident-lab/flags';
import { flagsOf } from '@incident-lab/service-kit';
import type { Response } from 'express';
import type { RetryMode } from './lessons/retry-policy';

/** The flags payments applies, with the value it falls back to when they cannot be read. */
export const PAYMENTS_FLAGS = {
  'payments-queue-when-provider-down': false,
  'http-timeouts': false,
  'retry-policy': 'immediate' as RetryMode,
  'provider-circuit-breaker': false,
  'idempotency-keys': false,
  'idempotent-consumer': false,
  outbox: false,
  /** Where payments' worker dies on the charge it takes (the partial lab's crash fault). */
  'payments-crash': 'off' as 'off' | 'after-charge' | 'before-publish',
  'payments-event-rename': false,
  'unroutable-guard': false,
} satisfies FlagDefaults;

/** Payments's flags at one moment: what one request, message or run goes by. */
export type PaymentsFlags = FlagSnapshot<typeof PAYMENTS_FLAGS>;

/** The flags in force for this request (service-kit took the snapshot when it arrived). */
export const paymentsFlagsOf = (response: Response): PaymentsFlags => flagsOf<PaymentsFlags>(response);
