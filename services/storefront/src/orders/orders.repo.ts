import type { ResultSetHeader, RowDataPacket } from '@incident-lab/db';
import type { ShopDb } from '../db/shop-db';
import type { OrderStatus } from './orders.schema';

export interface Order {
  id: string;
  userId: number;
  status: OrderStatus;
  totalCents: number;
  paymentId: string | null;
  failureReason: string | null;
  createdAt: Date;
  items: Array<{ productId: number; quantity: number; priceCents: number }>;
}

export interface NewOrder {
  id: string;
  userId: number;
  totalCents: number;
  items: Order['items'];
}

export async function priceProducts(db: ShopDb, ids: number[]): Promise<Map<number, number>> {
  const rows = await db.query<RowDataPacket[]>('SELECT id, price_cents FROM products WHERE id IN (?)', [ids]);
  return new Map(rows.map((row) => [row.id as number, row.price_cents as number]));
}

export async function insertPendingOrder(db: ShopDb, order: NewOrder): Promise<void> {
  await db.transaction(async (connection) => {
    await connection.query(
      'INSERT INTO orders (id, user_id, status, total_cents) VALUES (?, ?, "PENDING", ?)',
      [order.id, order.userId, order.totalCents],
    );
    await connection.query('INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES ?', [
      order.items.map((item) => [order.id, item.productId, item.quantity, item.priceCents]),
    ]);
  });
}

/**
 * Moves a PENDING order to its final state. Only PENDING orders move, so the checkout answer and the
 * payment event can both settle the same order without one overwriting the other.
 */
export async function settleOrder(
  db: ShopDb,
  id: string,
  status: Exclude<OrderStatus, 'PENDING'>,
  details: { paymentId?: string | null; failureReason?: string | null },
): Promise<boolean> {
  const result = await db.query<ResultSetHeader>(
    `UPDATE orders SET status = ?, payment_id = COALESCE(?, payment_id), failure_reason = ?
      WHERE id = ? AND status = 'PENDING'`,
    [status, details.paymentId ?? null, details.failureReason ?? null, id],
  );
  return result.affectedRows === 1;
}

export async function findOrder(db: ShopDb, id: string): Promise<Order | undefined> {
  const orders = await db.query<RowDataPacket[]>(
    `SELECT id, user_id AS userId, status, total_cents AS totalCents, payment_id AS paymentId,
            failure_reason AS failureReason, created_at AS createdAt
       FROM orders WHERE id = ?`,
    [id],
  );
  const order = orders[0];
  if (!order) return undefined;
  const items = await db.query<RowDataPacket[]>(
    'SELECT product_id AS productId, quantity, price_cents AS priceCents FROM order_items WHERE order_id = ?',
    [id],
  );
  return { ...(order as Omit<Order, 'items'>), items: items as Order['items'] };
}
