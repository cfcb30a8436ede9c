import type { PoolConnection, ResultSetHeader, RowDataPacket } from '@incident-lab/db';
import type { ShopDb } from '../db/shop-db';

/**
 * The charge storefront owes payments for an order (with `idempotency-keys`): written in the order's
 * own transaction, closed when payments gives an answer it stands behind (201, 202 or 402), expired
 * at the deadline. It is what makes a 202 PENDING a promise someone keeps.
 */
export interface PaymentRequest {
  orderId: string;
  amountCents: number;
  customer: string;
  attempts: number;
  /** The deadline has passed: the order is failed instead of asked for again. */
  overdue: boolean;
}

export async function openPaymentRequest(
  connection: PoolConnection,
  request: Pick<PaymentRequest, 'orderId' | 'amountCents' | 'customer'>,
  timing: { firstAttemptInS: number; deadlineS: number },
): Promise<void> {
  await connection.query(
    `INSERT INTO payment_requests (order_id, amount_cents, customer, next_attempt_at, deadline_at)
     VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND, NOW(3) + INTERVAL ? SECOND)`,
    [request.orderId, request.amountCents, request.customer, timing.firstAttemptInS, timing.deadlineS],
  );
}

export async function closePaymentRequest(
  connection: PoolConnection,
  orderId: string,
  state: 'ANSWERED' | 'EXPIRED',
): Promise<void> {
  await connection.query(`UPDATE payment_requests SET state = ? WHERE order_id = ? AND state = 'OPEN'`, [
    state,
    orderId,
  ]);
}

/** Payments gave no usable answer: ask again after `inS` seconds. */
export async function retryPaymentRequest(
  connection: PoolConnection,
  orderId: string,
  inS: number,
  error: string,
): Promise<void> {
  await connection.query(
    `UPDATE payment_requests SET next_attempt_at = NOW(3) + INTERVAL ? SECOND, last_error = ?
      WHERE order_id = ? AND state = 'OPEN'`,
    [inS, error.slice(0, 255), orderId],
  );
}

export async function duePaymentRequests(db: ShopDb, limit: number): Promise<PaymentRequest[]> {
  const rows = await db.query<RowDataPacket[]>(
    `SELECT order_id AS orderId, amount_cents AS amountCents, customer, attempts,
            deadline_at <= NOW(3) AS overdue
       FROM payment_requests WHERE state = 'OPEN' AND next_attempt_at <= NOW(3)
      ORDER BY next_attempt_at LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({ ...(row as PaymentRequest), overdue: Number(row.overdue) === 1 }));
}

/**
 * Takes a due request for one attempt by moving its next attempt `backoffS` ahead: a second relay
 * (or a restarted one) skips it until then, and a relay that dies mid-attempt is retried after it.
 */
export async function claimPaymentRequest(db: ShopDb, orderId: string, backoffS: number): Promise<boolean> {
  const result = await db.query<ResultSetHeader>(
    `UPDATE payment_requests SET attempts = attempts + 1, next_attempt_at = NOW(3) + INTERVAL ? SECOND
      WHERE order_id = ? AND state = 'OPEN' AND next_attempt_at <= NOW(3)`,
    [backoffS, orderId],
  );
  return result.affectedRows === 1;
}

export async function openPaymentRequestCount(db: ShopDb): Promise<number> {
  const rows = await db.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM payment_requests WHERE state = 'OPEN'`,
  );
  return Number(rows[0]?.n ?? 0);
}
