import type { Pool, PoolConnection, RowDataPacket } from '@incident-lab/db';

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
    payment: { status: string },
  ): Promise<'message-processed' | 'payment-settled' | undefined>;
  /** What the charge's transaction records with it: the message id, and the state it may move from. */
  recordWith(messageId: string): { messageId?: string; from?: ['QUEUED'] };
}

/** Broken: every delivery is a new charge. A redelivered message charges the card again. */
export const everyDeliveryCharges: DeliveryRules = {
  alreadyDone: async () => undefined,
  recordWith: () => ({}),
};

/**
 * Fixed: a message already processed, or a payment no longer QUEUED, is only acked; the message id is
 * recorded in the transaction that records the charge (`markProcessed`), so "processed" and
 * "charged" commit together.
 */
export const repeatsRecognised: DeliveryRules = {
  async alreadyDone(pool, messageId, payment) {
    if (await wasProcessed(pool, messageId)) return 'message-processed';
    return payment.status === 'QUEUED' ? undefined : 'payment-settled';
  },
  recordWith: (messageId) => ({ messageId, from: ['QUEUED'] }),
};

/** The lesson chosen by the `idempotent-consumer` flag's value. */
export const deliveryRules = (idempotentConsumer: boolean): DeliveryRules =>
  idempotentConsumer ? repeatsRecognised : everyDeliveryCharges;

/** The fixed half's record: written in the transaction of the message's effect, so both exist or neither. */
export async function markProcessed(connection: PoolConnection, messageId: string, queue: string) {
  await connection.query('INSERT INTO processed_messages (message_id, queue) VALUES (?, ?)', [
    messageId,
    queue,
  ]);
}

async function wasProcessed(pool: Pool, messageId: string): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM processed_messages WHERE message_id = ?', [
    messageId,
  ]);
  return rows.length > 0;
}
