import type { Pool, RowDataPacket } from 'mysql2/promise';

export type ServerFlavour = 'mariadb' | 'mysql';

/** MariaDB and MySQL cap a statement's run time with different syntax; ask the server which it is. */
export async function serverFlavour(pool: Pool): Promise<ServerFlavour> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS version');
  return String(rows[0]?.version).includes('MariaDB') ? 'mariadb' : 'mysql';
}

/**
 * The same SELECT, stopped by the server itself after `ms`: unlike a client-side timeout, the server
 * stops working too, so the connection and the CPU come back.
 */
export function withStatementTimeout(sql: string, ms: number, flavour: ServerFlavour): string {
  if (flavour === 'mariadb') return `SET STATEMENT max_statement_time=${ms / 1000} FOR ${sql}`;
  return sql.replace(/^\s*SELECT\b/i, `SELECT /*+ MAX_EXECUTION_TIME(${Math.round(ms)}) */`);
}

/** True for the errors both servers raise when a statement hits its time cap. */
export function isStatementTimeout(error: unknown): boolean {
  const code = (error as { errno?: number }).errno;
  return code === 1969 || code === 3024;
}
