import type { Pool } from '@incident-lab/db';
import type { Payment } from '../charges/payments.repo';
import { wasProcessed } from '../charges/processed-messages.repo';
import type { PaymentsFlags } from '../flags';

/**
 * Lab 2, `idempotent-consumer`: what payments' worker does with a `charge.requested` message it may
 * have seen before. RabbitMQ delivers at least once: a worker that dies after charging and before
 * acking gets the same message again.
 */
export interface DeliveryRules {
  /** Why this delivery needs no work (ack it and stop), or undefined to charge. */
  alreadyDone(
    pool: Pool,
    messageId: string,
    payment: Payment,
  ): Promise<'message-processed' | 'payment-settled' | undefined>;
  /** What the charge's transaction records with it: the message id, and the state it may move from. */
  recordWith(messageId: string): { messageId?: string; from?: Array<Payment['status']> };
}

/** Broken: every delivery is a new charge. A redelivered message charges the card again. */
export const everyDeliveryCharges: DeliveryRules = {
  alreadyDone: async () => undefined,
  recordWith: () => ({}),
};

/**
 * Fixed: a message already processed, or a payment no longer QUEUED, is only acked; the message id is
 * recorded in the transaction that records the charge, so "processed" and "charged" commit together.
 */
export const repeatsRecognised: DeliveryRules = {
  async alreadyDone(pool, messageId, payment) {
    if (await wasProcessed(pool, messageId)) return 'message-processed';
    return payment.status === 'QUEUED' ? undefined : 'payment-settled';
  },
  recordWith: (messageId) => ({ messageId, from: ['QUEUED'] }),
};

export const deliveryRules = (flags: PaymentsFlags): DeliveryRules =>
  flags['idempotent-consumer'] ? repeatsRecognised : everyDeliveryCharges;
