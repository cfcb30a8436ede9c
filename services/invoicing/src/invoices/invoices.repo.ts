import { randomUUID } from 'node:crypto';
import { inTransaction, isDuplicateKeyError, type Pool, type RowDataPacket } from '@incident-lab/db';

export interface InvoiceInput {
  paymentId: string;
  orderId: string;
  amountCents: number;
  customer: string;
}

/**
 * Writes the invoice and its e-mail record in one transaction, once per payment: when the payment
 * already has its invoice (a redelivery, a backfill run twice), nothing is written and `created` is
 * false.
 */
export async function createInvoice(
  pool: Pool,
  input: InvoiceInput,
  email: { subject: string },
): Promise<{ invoiceId: string; created: boolean }> {
  const id = randomUUID();
  const created = await inTransaction(pool, async (connection) => {
    try {
      await connection.query(
        'INSERT INTO invoices (id, payment_id, order_id, amount_cents, customer) VALUES (?, ?, ?, ?, ?)',
        [id, input.paymentId, input.orderId, input.amountCents, input.customer],
      );
    } catch (error) {
      // The payment has its invoice already: only the duplicate is expected; a bad value still throws.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    await connection.query('INSERT INTO emails (id, invoice_id, recipient, subject) VALUES (?, ?, ?, ?)', [
      randomUUID(),
      id,
      input.customer,
      email.subject,
    ]);
    return true;
  });
  if (created) return { invoiceId: id, created };
  const [existing] = await findInvoices(pool, { paymentId: input.paymentId });
  return { invoiceId: String(existing?.id), created };
}

export async function findInvoices(pool: Pool, filter: { paymentId?: string; orderId?: string }) {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, payment_id AS paymentId, order_id AS orderId, amount_cents AS amountCents, customer, created_at AS createdAt
       FROM invoices WHERE (? IS NULL OR payment_id = ?) AND (? IS NULL OR order_id = ?) ORDER BY created_at LIMIT 1000`,
    [filter.paymentId ?? null, filter.paymentId ?? null, filter.orderId ?? null, filter.orderId ?? null],
  );
  return rows;
}
