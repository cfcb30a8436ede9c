import { databaseName, type SchemaOwner } from '@incident-lab/config';
import { createPool, type MigrateOptions, migrate, type Pool } from '@incident-lab/db';
import { MIGRATIONS as invoicingMigrations } from '@incident-lab/invoicing/migrations';
import { purgeQueues } from '@incident-lab/messaging';
import { MIGRATIONS as paymentsMigrations } from '@incident-lab/payments/migrations';
import { MIGRATIONS as providerMigrations } from '@incident-lab/provider/migrations';
import { MIGRATIONS as reconcilerMigrations } from '@incident-lab/reconciler/migrations';
import { catalogueCacheKey } from '@incident-lab/storefront/cache-key';
import { MIGRATIONS as storefrontMigrations } from '@incident-lab/storefront/migrations';
import { countHistory, SEED_PASSWORD, seedCatalog, setHistory } from '@incident-lab/storefront/seed';
import { deleteKeys } from '../clients/redis';
import type { LabOptions } from '../settings/lab-options';

/** Which service's migrations build each schema: both provider ledgers come from one service. */
const MIGRATIONS_OF: Record<SchemaOwner, Omit<MigrateOptions, 'url' | 'database'>> = {
  storefront: storefrontMigrations,
  payments: paymentsMigrations,
  invoicing: invoicingMigrations,
  reconciler: reconcilerMigrations,
  provider_primary: providerMigrations,
  provider_backup: providerMigrations,
};

/**
 * What `lab reset` empties: everything the running shop wrote. The catalog (users, products) and
 * the seeded order history (the sales report's data) stay.
 */
const RESET_STATEMENTS: Record<SchemaOwner, string[]> = {
  storefront: [
    "DELETE i FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.origin = 'checkout'",
    "DELETE FROM orders WHERE origin = 'checkout'",
    'DELETE FROM payment_requests',
    'DELETE FROM idempotency_keys',
    // Prices back to the catalogue's first ones (a lab's staff changed them), with their history.
    `UPDATE products p JOIN price_history h ON h.product_id = p.id AND h.version = 1
        SET p.price_cents = h.price_cents, p.price_version = 1`,
    'DELETE FROM price_history WHERE version > 1',
    'UPDATE price_history SET valid_until = NULL',
    'DELETE FROM mispriced_orders',
  ],
  payments: [
    'DELETE FROM payments',
    'DELETE FROM idempotency_keys',
    'DELETE FROM processed_messages',
    'DELETE FROM outbox',
  ],
  invoicing: ['DELETE FROM emails', 'DELETE FROM invoices'],
  reconciler: ['DELETE FROM reconciliation_actions'],
  provider_primary: ['DELETE FROM charges'],
  provider_backup: ['DELETE FROM charges'],
};

export async function withPool<T>(
  options: LabOptions,
  owner: SchemaOwner,
  work: (pool: Pool) => Promise<T>,
): Promise<T> {
  const pool = createPool({
    url: options.mysqlUrl,
    database: databaseName(options.namespace, owner),
    connectionLimit: 2,
  });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Applies every service's migrations; returns the files applied per schema. */
export async function migrateAll(options: LabOptions): Promise<Record<string, string[]>> {
  const applied: Record<string, string[]> = {};
  for (const owner of Object.keys(MIGRATIONS_OF) as SchemaOwner[]) {
    const database = databaseName(options.namespace, owner);
    applied[database] = await migrate({ url: options.mysqlUrl, database, ...MIGRATIONS_OF[owner] });
  }
  return applied;
}

/**
 * The catalog (customers, the staff member, products) if missing, and, when `history` is given, a
 * history of exactly that many paid orders (topped up or trimmed).
 */
export async function seed(options: LabOptions, history?: number, onProgress?: (done: number) => void) {
  return withPool(options, 'storefront', async (pool) => {
    const catalog = await seedCatalog(pool);
    const orders =
      history === undefined
        ? { before: await countHistory(pool), added: 0, removed: 0 }
        : await setHistory(pool, history, { seed: Date.now(), onProgress });
    return {
      ...catalog,
      history: orders,
      historyNow: orders.before + orders.added - orders.removed,
      password: SEED_PASSWORD,
    };
  });
}

/** Empties what the shop wrote, every lab queue and storefront's catalogue cache; flags are left as they are. */
export async function reset(options: LabOptions): Promise<{ queues: Record<string, number> }> {
  for (const owner of Object.keys(RESET_STATEMENTS) as SchemaOwner[]) {
    await withPool(options, owner, async (pool) => {
      for (const statement of RESET_STATEMENTS[owner]) await pool.query(statement);
    });
  }
  // The cache still holds the prices the tables no longer have: it goes too, and is refilled on the next read.
  await deleteKeys(options.redisUrl, [catalogueCacheKey(options.namespace)]);
  return { queues: await purgeQueues(options.amqpUrl, options.namespace) };
}
