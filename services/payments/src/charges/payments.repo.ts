import type { Pool, RowDataPacket } from '@incident-lab/db';

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
}

export async function insertPayment(
  pool: Pool,
  payment: Pick<Payment, 'id' | 'orderId' | 'amountCents' | 'customer'>,
) {
  await pool.query(
    'INSERT INTO payments (id, order_id, amount_cents, customer, status) VALUES (?, ?, ?, ?, "PENDING")',
    [payment.id, payment.orderId, payment.amountCents, payment.customer],
  );
}

export async function updatePayment(
  pool: Pool,
  id: string,
  change: { status: PaymentStatus; provider?: string; providerChargeId?: string; failureReason?: string },
) {
  await pool.query(
    'UPDATE payments SET status = ?, provider = ?, provider_charge_id = ?, failure_reason = ? WHERE id = ?',
    [
      change.status,
      change.provider ?? null,
      change.providerChargeId ?? null,
      change.failureReason ?? null,
      id,
    ],
  );
}

export async function findPayment(pool: Pool, id: string): Promise<Payment | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, order_id AS orderId, amount_cents AS amountCents, customer, status, provider,
            provider_charge_id AS providerChargeId, failure_reason AS failureReason
       FROM payments WHERE id = ?`,
    [id],
  );
  return rows[0] as Payment | undefined;
}
