import type { Pool, RowDataPacket } from '@incident-lab/db';

export interface Charge {
  id: string;
  reference: string;
  orderId: string;
  amountCents: number;
  customer: string;
  status: 'CHARGED' | 'REFUNDED';
  createdAt: Date;
}

const COLUMNS = `id, reference, order_id AS orderId, amount_cents AS amountCents, customer, status, created_at AS createdAt`;

export async function recordCharge(pool: Pool, charge: Omit<Charge, 'status' | 'createdAt'>): Promise<void> {
  await pool.query(
    'INSERT INTO charges (id, reference, order_id, amount_cents, customer) VALUES (?, ?, ?, ?, ?)',
    [charge.id, charge.reference, charge.orderId, charge.amountCents, charge.customer],
  );
}

export async function findCharges(
  pool: Pool,
  filter: { reference?: string; orderId?: string },
): Promise<Charge[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM charges
      WHERE (? IS NULL OR reference = ?) AND (? IS NULL OR order_id = ?)
      ORDER BY created_at LIMIT 1000`,
    [filter.reference ?? null, filter.reference ?? null, filter.orderId ?? null, filter.orderId ?? null],
  );
  return rows as Charge[];
}
