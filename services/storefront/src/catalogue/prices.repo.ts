import { isDuplicateKeyError, type RowDataPacket } from '@incident-lab/db';
import type { ShopDb } from '../db/shop-db';
import type { CachedProduct } from '../lessons/cache-write-checks';

export type Product = CachedProduct;

const COLUMNS = 'id, sku, name, price_cents AS priceCents, price_version AS version';

export async function allProducts(db: ShopDb): Promise<Product[]> {
  return db.query<Product[]>(`SELECT ${COLUMNS} FROM products ORDER BY id`);
}

export async function productsByIds(db: ShopDb, ids: number[]): Promise<Product[]> {
  return db.query<Product[]>(`SELECT ${COLUMNS} FROM products WHERE id IN (?)`, [ids]);
}

/**
 * Sets a product's price and records it in its history, in one transaction: the old price stops and
 * the new one starts at the same instant. Undefined when there is no such product; a product already
 * at that price is returned unchanged (no new version).
 */
export async function changePrice(db: ShopDb, id: number, priceCents: number): Promise<Product | undefined> {
  return db.transaction(async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT ${COLUMNS}, NOW(3) AS now FROM products WHERE id = ? FOR UPDATE`,
      [id],
    );
    const current = rows[0] as (Product & { now: Date }) | undefined;
    if (!current) return undefined;
    const { now, ...product } = current;
    if (product.priceCents === priceCents) return product;
    const version = product.version + 1;
    await connection.query('UPDATE products SET price_cents = ?, price_version = ? WHERE id = ?', [
      priceCents,
      version,
      id,
    ]);
    await connection.query(
      'UPDATE price_history SET valid_until = ? WHERE product_id = ? AND valid_until IS NULL',
      [now, id],
    );
    await connection.query(
      'INSERT INTO price_history (product_id, version, price_cents, valid_from) VALUES (?, ?, ?, ?)',
      [id, version, priceCents, now],
    );
    return { ...product, priceCents, version };
  });
}

/** Where the mispriced-orders query reads: storefront's own tables, or `lab check`'s views of them. */
export interface PriceAuditTables {
  orders: string;
  orderItems: string;
  priceHistory: string;
  mispriced: string;
}

/**
 * A checkout read its price this long before it wrote the order: a price that changed within it is
 * not a stale price.
 */
export const PRICE_GRACE_S = 1;

/**
 * Paid checkout orders with an item charged at a price the product did not have when the order was
 * placed (nor in the `PRICE_GRACE_S` before), with what was charged and what the catalogue said, and
 * no decision recorded about them yet. Read by storefront's price audit and by `lab check`.
 */
export function mispricedOrdersSql(tables: PriceAuditTables, where = 'TRUE'): string {
  return `SELECT o.id AS orderId, SUM(i.quantity * i.price_cents) AS chargedCents,
                 SUM(i.quantity * h.price_cents) AS catalogueCents,
                 SUM(NOT EXISTS (
                   SELECT 1 FROM ${tables.priceHistory} ok
                    WHERE ok.product_id = i.product_id AND ok.price_cents = i.price_cents
                      AND ok.valid_from <= o.created_at
                      AND (ok.valid_until IS NULL OR ok.valid_until > o.created_at - INTERVAL ${PRICE_GRACE_S} SECOND)
                 )) AS staleItems
            FROM ${tables.orders} o
            JOIN ${tables.orderItems} i ON i.order_id = o.id
            JOIN ${tables.priceHistory} h ON h.product_id = i.product_id AND h.valid_from <= o.created_at
                                         AND (h.valid_until IS NULL OR h.valid_until > o.created_at)
           WHERE o.origin = 'checkout' AND o.status = 'PAID' AND ${where}
             AND NOT EXISTS (SELECT 1 FROM ${tables.mispriced} m WHERE m.order_id = o.id AND m.decision IS NOT NULL)
           GROUP BY o.id
          HAVING staleItems > 0
           ORDER BY o.id`;
}

export interface MispricedOrder {
  orderId: string;
  chargedCents: number;
  catalogueCents: number;
}

const OWN_TABLES: PriceAuditTables = {
  orders: 'orders',
  orderItems: 'order_items',
  priceHistory: 'price_history',
  mispriced: 'mispriced_orders',
};

async function mispriced(db: ShopDb, where?: string): Promise<MispricedOrder[]> {
  const rows = await db.query<RowDataPacket[]>(mispricedOrdersSql(OWN_TABLES, where));
  return rows.map((row) => ({
    orderId: String(row.orderId),
    chargedCents: Number(row.chargedCents),
    catalogueCents: Number(row.catalogueCents),
  }));
}

/** Mispriced orders placed in the last `withinS` seconds (the audit job's window; an index serves it). */
export async function recentMispricedOrders(db: ShopDb, withinS: number): Promise<MispricedOrder[]> {
  return mispriced(db, `o.created_at >= NOW(3) - INTERVAL ${Number(withinS)} SECOND`);
}

/**
 * Records orders the audit found; returns those it had not found before. An insert that finds the
 * row there inserts nothing (mysql2 counts found rows, so ON DUPLICATE KEY could not tell the two apart).
 */
export async function recordMispriced(db: ShopDb, orders: MispricedOrder[]): Promise<MispricedOrder[]> {
  const fresh: MispricedOrder[] = [];
  for (const order of orders) {
    try {
      const result = await db.query<{ affectedRows: number }>(
        `INSERT INTO mispriced_orders (order_id, charged_cents, catalogue_cents)
         SELECT ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM mispriced_orders WHERE order_id = ?)`,
        [order.orderId, order.chargedCents, order.catalogueCents, order.orderId],
      );
      if (result.affectedRows === 1) fresh.push(order);
    } catch (error) {
      // Another run recorded it between the check and the insert: not new.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  return fresh;
}

/** Every open mispriced order, whenever placed (the repair's list). */
export async function openMispricedOrders(db: ShopDb): Promise<MispricedOrder[]> {
  return mispriced(db);
}

/** Records that the shop keeps the price it charged for these orders. */
export async function honour(db: ShopDb, orders: MispricedOrder[]): Promise<void> {
  for (const order of orders) {
    await db.query(
      `INSERT INTO mispriced_orders (order_id, charged_cents, catalogue_cents, decision, decided_at)
       VALUES (?, ?, ?, 'honoured', NOW(3))
       ON DUPLICATE KEY UPDATE decision = 'honoured', decided_at = NOW(3)`,
      [order.orderId, order.chargedCents, order.catalogueCents],
    );
  }
}
