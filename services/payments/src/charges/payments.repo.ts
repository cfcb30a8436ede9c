import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@incident-lab/db';

export type PaymentStatus = 'PENDING' | 'QUEUED' | 'COMPLETED' | 'FAILED';

export interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  customer: string;
  status: PaymentStatus;
  provider: string | null;
  providerChargeId: string | null;
  failureReason: string | null;
  /** The reference the provider charges once; null when each attempt was a new purchase (no keys). */
  providerReference: string | null;
}

/** A pool or a connection inside a transaction: the repo functions work on either. */
export type Db = Pool | PoolConnection;

export interface PaymentChange {
  status: PaymentStatus;
  provider?: string;
  providerChargeId?: string;
  failureReason?: string;
}

const COLUMNS = `id, order_id AS orderId, amount_cents AS amountCents, customer, status, provider,
                 provider_charge_id AS providerChargeId, failure_reason AS failureReason,
                 provider_reference AS providerReference`;

export async function insertPayment(
  db: Db,
  payment: Pick<Payment, 'id' | 'orderId' | 'amountCents' | 'customer' | 'providerReference'>,
) {
  await db.query(
    `INSERT INTO payments (id, order_id, amount_cents, customer, status, provider_reference)
     VALUES (?, ?, ?, ?, 'PENDING', ?)`,
    [payment.id, payment.orderId, payment.amountCents, payment.customer, payment.providerReference],
  );
}

/** Changes a payment, only from one of `from` when given; true when a row changed. */
export async function updatePayment(
  db: Db,
  id: string,
  change: PaymentChange,
  from?: PaymentStatus[],
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE payments SET status = ?, provider = ?, provider_charge_id = ?, failure_reason = ?
      WHERE id = ? ${from ? 'AND status IN (?)' : ''}`,
    [
      change.status,
      change.provider ?? null,
      change.providerChargeId ?? null,
      change.failureReason ?? null,
      id,
      ...(from ? [from] : []),
    ],
  );
  return result.affectedRows === 1;
}

export async function findPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM payments WHERE id = ?`, [id]);
  return rows[0] as Payment | undefined;
}

/** A payment, and the milliseconds left until its charge deadline (`deadlineS` after it was made). */
export async function findPaymentWithDeadline(
  db: Db,
  id: string,
  deadlineS: number,
): Promise<(Payment & { msToDeadline: number }) | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS},
            GREATEST(0, TIMESTAMPDIFF(MICROSECOND, NOW(3), created_at + INTERVAL ? SECOND)) DIV 1000 AS msToDeadline
       FROM payments WHERE id = ?`,
    [deadlineS, id],
  );
  const row = rows[0];
  return row
    ? ({ ...row, msToDeadline: Number(row.msToDeadline) } as Payment & { msToDeadline: number })
    : undefined;
}

export async function findPaymentsForOrder(db: Db, orderId: string): Promise<Payment[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM payments WHERE order_id = ? ORDER BY created_at`,
    [orderId],
  );
  return rows as Payment[];
}

/** Which provider a reference may be charged at; see migrations/004_charge_route.sql. */
export type ChargeRoute = 'primary' | 'backup';

/**
 * Counts a call about to go to the primary under a reference, unless the payment's charge has moved
 * to the backup; returns where the call must go.
 */
export async function countPrimaryCall(db: Db, reference: string): Promise<ChargeRoute> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE payments SET charge_route = 'primary', primary_calls = primary_calls + 1
      WHERE provider_reference = ? AND (charge_route IS NULL OR charge_route = 'primary')`,
    [reference],
  );
  if (result.affectedRows === 1) return 'primary';
  return routeOrThrow(db, reference);
}

/**
 * Moves a reference's charge to the backup when the primary surely never took it: no call but this
 * one's `ownCalls` (0 or 1) ever went to the primary. True when the charge is at the backup now.
 */
export async function moveToBackup(db: Db, reference: string, ownCalls: number): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE payments SET charge_route = 'backup'
      WHERE provider_reference = ? AND primary_calls = ? AND (charge_route IS NULL OR charge_route = 'primary')`,
    [reference, ownCalls],
  );
  return result.affectedRows === 1 || (await routeOrThrow(db, reference)) === 'backup';
}

async function routeOrThrow(db: Db, reference: string): Promise<ChargeRoute> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT charge_route AS route FROM payments WHERE provider_reference = ?',
    [reference],
  );
  if (!rows[0]) throw new Error(`no payment has the provider reference ${reference}`);
  return rows[0].route ?? 'primary';
}
