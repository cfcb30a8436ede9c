import type { Pool, PoolConnection, RowDataPacket } from '@incident-lab/db';

/** Idempotent consumer: written in the transaction of the message's effect, so both exist or neither. */
export async function markProcessed(connection: PoolConnection, messageId: string, queue: string) {
  await connection.query('INSERT INTO processed_messages (message_id, queue) VALUES (?, ?)', [
    messageId,
    queue,
  ]);
}

export async function wasProcessed(pool: Pool, messageId: string): Promise<boolean> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM processed_messages WHERE message_id = ?', [
    messageId,
  ]);
  return rows.length > 0;
}
