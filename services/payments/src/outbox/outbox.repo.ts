import type { Pool, PoolConnection, RowDataPacket } from '@incident-lab/db';
import type { Envelope } from '@incident-lab/messaging';
import type { Destination } from '../lessons/outbox';

// The outbox's rows are written by lessons/outbox.ts (in the transaction of their change); the relay
// reads them here.

/** The oldest unsent events, locked for this relay; another relay skips them instead of waiting. */
export async function lockUnsent(
  connection: PoolConnection,
  limit: number,
): Promise<Array<{ destination: Destination; message: Envelope }>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT destination, payload FROM outbox WHERE sent_at IS NULL
      ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((row) => ({
    destination: row.destination as Destination,
    message: JSON.parse(String(row.payload)) as Envelope,
  }));
}

export async function markSent(connection: PoolConnection, id: string): Promise<void> {
  await connection.query('UPDATE outbox SET sent_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [id]);
}

export async function unsentCount(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL');
  return Number(rows[0]?.n ?? 0);
}
