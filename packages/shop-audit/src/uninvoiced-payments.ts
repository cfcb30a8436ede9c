import { databaseName } from '@incident-lab/config';
import type { Pool, RowDataPacket } from '@incident-lab/db';

export interface UninvoicedPayment {
  paymentId: string;
  orderId: string;
  amountCents: number;
  customer: string;
}

/**
 * Completed payments with no invoice: the one query for it. The reconciler counts them for
 * `shop_payments_without_invoice`, `lab check` reports them and `lab backfill invoices` repairs them;
 * all read payments' and invoicing's schemas through here.
 */
/**
 * Completed payments of a namespace without an invoice, as a FROM … WHERE clause; with `window`, only
 * payments made in it (a drill judges its last minute by it).
 */
function uninvoiced(namespace: string, window?: TimeWindow): string {
  const made = window
    ? `AND p.created_at >= FROM_UNIXTIME(${window.fromMs / 1000}) AND p.created_at < FROM_UNIXTIME(${window.toMs / 1000})`
    : '';
  return `FROM \`${databaseName(namespace, 'payments')}\`.payments p
      WHERE p.status = 'COMPLETED' ${made}
        AND NOT EXISTS (SELECT 1 FROM \`${databaseName(namespace, 'invoicing')}\`.invoices i
                         WHERE i.payment_id = p.id)`;
}

/** A stretch of time, epoch milliseconds, from inclusive, to exclusive. */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

export async function uninvoicedPayments(
  pool: Pool,
  namespace: string,
  window?: TimeWindow,
): Promise<UninvoicedPayment[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT p.id AS paymentId, p.order_id AS orderId, p.amount_cents AS amountCents, p.customer
       ${uninvoiced(namespace, window)}
      ORDER BY p.created_at`,
  );
  return rows as UninvoicedPayment[];
}

/** How many there are, without reading them: what the reconciler exports every run. */
export async function countUninvoicedPayments(pool: Pool, namespace: string): Promise<number> {
  const [[row]] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n ${uninvoiced(namespace)}`);
  return Number(row?.n ?? 0);
}
