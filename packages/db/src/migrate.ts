import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { createPool, ensureDatabase } from './pool';

export interface MigrateOptions {
  url: string;
  database: string;
  /** A folder of `NNN_description.sql` files, applied in order, each once. */
  dir: string;
  /**
   * Migrations a library ships for the tables it owns in the service's schema (service-kit's
   * idempotency keys): applied after the service's own, each recorded as `<name>/<file>`.
   */
  libraries?: Array<{ name: string; dir: string }>;
}

const MIGRATION_FILE = /^(\d{3,})_[\w-]+\.sql$/;

async function migrationFiles(dir: string, prefix: string) {
  const names = (await readdir(dir)).filter((file) => MIGRATION_FILE.test(file)).sort();
  return names.map((name) => ({ version: `${prefix}${name}`, file: path.join(dir, name) }));
}

/**
 * Applies the versioned SQL files not yet recorded in `schema_migrations`. A named lock makes it safe
 * when the lab CLI and several services start at once against the same schema.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  await ensureDatabase(options.url, options.database);
  const files = [
    ...(await migrationFiles(options.dir, '')),
    ...(
      await Promise.all((options.libraries ?? []).map((lib) => migrationFiles(lib.dir, `${lib.name}/`)))
    ).flat(),
  ];
  const pool = createPool({ ...options, connectionLimit: 1, multipleStatements: true });
  const connection = await pool.getConnection();
  const lock = `migrate:${options.database}`;
  try {
    await connection.query('SELECT GET_LOCK(?, 30)', [lock]);
    await connection.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version VARCHAR(255) PRIMARY KEY,
         applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
    );
    const [rows] = await connection.query<RowDataPacket[]>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => row.version as string));
    const applied: string[] = [];
    for (const { version, file } of files) {
      if (done.has(version)) continue;
      await connection.query(await readFile(file, 'utf8'));
      await connection.query('INSERT INTO schema_migrations (version) VALUES (?)', [version]);
      applied.push(version);
    }
    return applied;
  } finally {
    await connection.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    connection.release();
    await pool.end();
  }
}
