import { isDuplicateKeyError, type Pool, type RowDataPacket } from '@incident-lab/db';

export interface Charge {
  id: string;
  reference: string;
  orderId: string;
  amountCents: number;
  customer: string;
  status: 'CHARGED' | 'REFUNDED';
  createdAt: Date;
  refundedAt: Date | null;
}

const COLUMNS = `id, reference, order_id AS orderId, amount_cents AS amountCents, customer, status,
                 created_at AS createdAt, refunded_at AS refundedAt`;

/**
 * Records a charge once per reference. Returns the new charge, or the one already recorded under
 * that reference (`replayed`), which is how a provider keeps a retried request from charging twice.
 */
export async function recordCharge(
  pool: Pool,
  charge: Pick<Charge, 'id' | 'reference' | 'orderId' | 'amountCents' | 'customer'>,
): Promise<{ charge: Charge; replayed: boolean }> {
  let replayed = false;
  try {
    await pool.query(
      'INSERT INTO charges (id, reference, order_id, amount_cents, customer) VALUES (?, ?, ?, ?, ?)',
      [charge.id, charge.reference, charge.orderId, charge.amountCents, charge.customer],
    );
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    replayed = true;
  }
  const [recorded] = await findCharges(pool, { reference: charge.reference });
  if (!recorded) throw new Error(`charge under reference ${charge.reference} vanished`);
  return { charge: recorded, replayed };
}

export async function findCharges(
  pool: Pool,
  filter: { reference?: string; orderId?: string; since?: string },
): Promise<Charge[]> {
  const since = filter.since ? new Date(filter.since) : null;
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM charges
      WHERE (? IS NULL OR reference = ?) AND (? IS NULL OR order_id = ?) AND (? IS NULL OR created_at >= ?)
      ORDER BY created_at LIMIT 10000`,
    [
      filter.reference ?? null,
      filter.reference ?? null,
      filter.orderId ?? null,
      filter.orderId ?? null,
      since,
      since,
    ],
  );
  return rows as Charge[];
}

/** Refunds a charge; refunding it again changes nothing. Undefined when there is no such charge. */
export async function refundCharge(pool: Pool, id: string): Promise<Charge | undefined> {
  await pool.query(
    `UPDATE charges SET status = 'REFUNDED', refunded_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'CHARGED'`,
    [id],
  );
  const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM charges WHERE id = ?`, [id]);
  return rows[0] as Charge | undefined;
}
