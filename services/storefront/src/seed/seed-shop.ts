import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from '@incident-lab/db';
import { customerEmail, SHOP_ACCOUNTS } from '@incident-lab/scenarios';
import { hashPassword } from '../auth/passwords';

/** The accounts the load logs in as: defined once, with the load (scenarios' `shop-load.ts`). */
export const SEED_PASSWORD = SHOP_ACCOUNTS.password;
/** Customers user1@shop.test … user20@shop.test. */
export const SEED_USERS = SHOP_ACCOUNTS.customers;
/** The one staff member: the sales report is theirs. */
export const STAFF_EMAIL = SHOP_ACCOUNTS.staff;
export { customerEmail as seedUserEmail };

const PRODUCTS: Array<[string, string, number]> = [
  ['MUG-01', 'Incident mug', 1400],
  ['HOOD-01', 'On-call hoodie', 5500],
  ['STK-01', 'Sticker pack: "it works on my machine"', 400],
  ['BOOK-01', 'Release It!, worn copy', 3900],
  ['PAGER-01', 'Vintage pager', 8900],
  ['TEE-01', 'T-shirt: "exactly once"', 2500],
  ['CAP-01', 'Cap: "retry with jitter"', 2200],
  ['DUCK-01', 'Rubber debugging duck', 900],
  ['LAMP-01', 'Red alert lamp', 4700],
  ['NOTE-01', 'Postmortem notebook', 1200],
];

/** A small seeded generator, so the same seed gives the same history. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * Customers, the staff member (all with the lab password) and products; leaves existing ones alone
 * (`ON DUPLICATE KEY` keeps the row there, unlike `INSERT IGNORE`, which would also hide any other error).
 */
export async function seedCatalog(pool: Pool): Promise<{ users: number; products: number }> {
  await pool.query('INSERT INTO products (sku, name, price_cents) VALUES ? ON DUPLICATE KEY UPDATE id = id', [
    PRODUCTS,
  ]);
  // Each product's first price, in force since long before any order: the price audit's baseline.
  await pool.query(
    `INSERT INTO price_history (product_id, version, price_cents, valid_from)
     SELECT p.id, p.price_version, p.price_cents, '2000-01-01' FROM products p
      WHERE NOT EXISTS (SELECT 1 FROM price_history h WHERE h.product_id = p.id)`,
  );
  const [existing] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users');
  if (Number(existing[0]?.n) < SEED_USERS + 1) {
    const people: Array<[email: string, name: string, role: 'customer' | 'staff']> = [
      ...Array.from({ length: SEED_USERS }, (_, i): [string, string, 'customer'] => [
        customerEmail(i + 1),
        `User ${i + 1}`,
        'customer',
      ]),
      [STAFF_EMAIL, 'Shop staff', 'staff'],
    ];
    const users = await Promise.all(
      people.map(async ([email, name, role]) => [email, name, role, await hashPassword(SEED_PASSWORD)]),
    );
    await pool.query(
      'INSERT INTO users (email, name, role, password_hash) VALUES ? ON DUPLICATE KEY UPDATE id = id',
      [users],
    );
  }
  return { users: SEED_USERS + 1, products: PRODUCTS.length };
}

/**
 * Adds `count` paid historical orders spread over the last year: the data the sales report scans.
 * Inserted in batches so a million rows take seconds, not minutes.
 */
export async function seedOrders(
  pool: Pool,
  count: number,
  options: { seed?: number; onProgress?: (done: number) => void } = {},
): Promise<number> {
  const next = random(options.seed ?? 1);
  const [products] = await pool.query<RowDataPacket[]>('SELECT id, price_cents FROM products');
  const [users] = await pool.query<RowDataPacket[]>('SELECT id FROM users');
  if (products.length === 0 || users.length === 0) throw new Error('seed the catalog before orders');
  const now = Date.now();
  const batchSize = 2_000;
  for (let done = 0; done < count; done += batchSize) {
    const orders: unknown[][] = [];
    const items: unknown[][] = [];
    for (let i = 0; i < Math.min(batchSize, count - done); i++) {
      const id = randomUUID();
      const createdAt = new Date(now - Math.floor(next() * 365 * 86_400_000));
      const first = Math.floor(next() * products.length);
      const lines = 1 + Math.floor(next() * 3);
      let total = 0;
      for (let line = 0; line < lines; line++) {
        const product = products[(first + line) % products.length] as RowDataPacket;
        const quantity = 1 + Math.floor(next() * 3);
        total += quantity * product.price_cents;
        items.push([id, product.id, quantity, product.price_cents]);
      }
      const user = users[Math.floor(next() * users.length)] as RowDataPacket;
      orders.push([id, user.id, 'PAID', total, 'history', createdAt, createdAt]);
    }
    await pool.query(
      'INSERT INTO orders (id, user_id, status, total_cents, origin, created_at, updated_at) VALUES ?',
      [orders],
    );
    await pool.query('INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES ?', [
      items,
    ]);
    options.onProgress?.(Math.min(done + batchSize, count));
  }
  return count;
}

/** How many paid historical orders the shop holds: the data the sales report scans. */
export async function countHistory(pool: Pool): Promise<number> {
  const [[row]] = await pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM orders WHERE origin = 'history'",
  );
  return Number(row?.n ?? 0);
}

/**
 * Makes the history exactly `target` orders: tops it up with new ones, or removes the newest
 * surplus (with their items), so the report costs the same on every run however often it is seeded.
 */
export async function setHistory(
  pool: Pool,
  target: number,
  options: { seed?: number; onProgress?: (done: number) => void } = {},
): Promise<{ before: number; added: number; removed: number }> {
  const before = await countHistory(pool);
  if (before < target) return { before, added: await seedOrders(pool, target - before, options), removed: 0 };
  let removed = 0;
  while (removed < before - target) {
    const batch = Math.min(2_000, before - target - removed);
    const [rows] = await pool.query<RowDataPacket[]>(
      "SELECT id FROM orders WHERE origin = 'history' ORDER BY created_at DESC LIMIT ?",
      [batch],
    );
    const ids = rows.map((row) => row.id as string);
    if (ids.length === 0) break;
    await pool.query('DELETE FROM order_items WHERE order_id IN (?)', [ids]);
    await pool.query("DELETE FROM orders WHERE origin = 'history' AND id IN (?)", [ids]);
    removed += ids.length;
    options.onProgress?.(removed);
  }
  return { before, added: 0, removed };
}
