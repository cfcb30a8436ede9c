import type { RetentionRule } from '@incident-lab/service-kit';
import type { PaymentsConfig } from './config';

/**
 * How long payments keeps its bookkeeping rows (the idempotency keys expire by themselves, after
 * 24 h). A published outbox row is only history. A processed message's id guards against a second
 * charge while the message can come back: redelivered, or parked and replayed (`lab replay`), which
 * can be days later; past that, the payment's own status (no longer QUEUED) still stops a charge.
 */
export const paymentsRetention = (config: PaymentsConfig): RetentionRule[] => [
  { table: 'outbox', expired: 'sent_at < NOW(3) - INTERVAL ? SECOND', keepS: config.OUTBOX_RETENTION_S },
  {
    table: 'processed_messages',
    expired: 'processed_at < NOW(3) - INTERVAL ? SECOND',
    keepS: config.PROCESSED_MESSAGES_RETENTION_S,
  },
];
