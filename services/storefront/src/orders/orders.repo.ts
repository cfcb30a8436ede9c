import type { PoolConnection, ResultSetHeader, RowDataPacket } from '@incident-lab/db';
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
  /** The purchase's Idempotency-Key as `<user id>:<key>`, when the client sent one. */
  purchaseKey: string | null;
}

/** Writes the order and its items inside the caller's transaction. */
export async function insertPendingOrder(connection: PoolConnection, order: NewOrder): Promise<void> {
  await connection.query(
    `INSERT INTO orders (id, user_id, status, total_cents, purchase_key) VALUES (?, ?, 'PENDING', ?, ?)`,
    [order.id, order.userId, order.totalCents, order.purchaseKey],
  );
  await connection.query('INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES ?', [
    order.items.map((item) => [order.id, item.productId, item.quantity, item.priceCents]),
  ]);
}

export interface Settlement {
  paymentId?: string | null;
  failureReason?: string | null;
}

/**
 * Moves a PENDING order to its final state. Only PENDING orders move, so the checkout answer, the
 * payment event and the reconciler can all settle the same order without one overwriting another.
 * `unlessRequestOpen` keeps an order PENDING while storefront still owes payments its charge request:
 * nobody may fail an order that is still being paid.
 */
export async function settleOrder(
  connection: PoolConnection,
  id: string,
  status: Exclude<OrderStatus, 'PENDING'>,
  details: Settlement,
  options: { unlessRequestOpen?: boolean } = {},
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE orders SET status = ?, payment_id = COALESCE(?, payment_id), failure_reason = ?
      WHERE id = ? AND status = 'PENDING'
        ${options.unlessRequestOpen ? `AND NOT EXISTS (SELECT 1 FROM payment_requests r WHERE r.order_id = orders.id AND r.state = 'OPEN')` : ''}`,
    [status, details.paymentId ?? null, details.failureReason ?? null, id],
  );
  return result.affectedRows === 1;
}

/**
 * Checkout orders PENDING for longer than `olderThanS` whose charge storefront is not still asking
 * payments for (no open charge request), oldest first.
 */
export async function overduePendingOrders(db: ShopDb, olderThanS: number, limit: number): Promise<string[]> {
  const rows = await db.query<Array<{ id: string }>>(
    `SELECT id FROM orders o
      WHERE origin = 'checkout' AND status = 'PENDING' AND created_at < NOW(3) - INTERVAL ? SECOND
        AND NOT EXISTS (SELECT 1 FROM payment_requests r WHERE r.order_id = o.id AND r.state = 'OPEN')
      ORDER BY created_at LIMIT ${Number(limit)}`,
    [olderThanS],
  );
  return rows.map((row) => row.id);
}

/** Records what checkout told the customer, the first time only: the promise the audit holds it to. */
export async function recordAnswer(db: ShopDb, id: string, answered: OrderStatus): Promise<void> {
  await db.query('UPDATE orders SET answered = COALESCE(answered, ?) WHERE id = ?', [answered, id]);
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
