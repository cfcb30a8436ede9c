import { createPool, type Pool, type RowDataPacket } from '@incident-lab/db';

/**
 * Exact row counts of every table in a namespace's schemas, in one query: what a refused request
 * must leave as it was. `idempotency_keys` is left out on purpose: a key records the answer it gave,
 * refusals included, so a retry with the same key gets the same answer.
 */
export async function rowCounter(mysqlUrl: string, namespace: string) {
  const pool: Pool = createPool({ url: mysqlUrl, connectionLimit: 1 });
  const [tables] = await pool.query<RowDataPacket[]>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
      WHERE table_schema LIKE ? AND table_name NOT IN ('idempotency_keys', 'schema_migrations')`,
    [`${namespace.replace(/_/g, '\\_')}\\_%`],
  );
  const sql = tables
    .map(({ s, t }) => `SELECT '${s}.${t}' AS name, COUNT(*) AS n FROM \`${s}\`.\`${t}\``)
    .join(' UNION ALL ');
  return {
    tables: tables.length,
    async counts(): Promise<Record<string, number>> {
      const [rows] = await pool.query<RowDataPacket[]>(sql);
      return Object.fromEntries(rows.map((row) => [row.name as string, Number(row.n)]));
    },
    end: () => pool.end(),
  };
}
