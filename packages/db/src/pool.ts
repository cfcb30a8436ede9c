import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

export type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface PoolOptions {
  /** Server URL, e.g. mysql://root@127.0.0.1:3306 (a database in the URL is ignored). */
  url: string;
  database?: string;
  /** Connections the pool may open; requests beyond it wait in the pool's queue. */
  connectionLimit?: number;
  /** Requests allowed to wait for a connection; 0 means unbounded (mysql2's default). */
  queueLimit?: number;
  multipleStatements?: boolean;
}

function connectionSettings(options: PoolOptions) {
  const url = new URL(options.url);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database: options.database,
    multipleStatements: options.multipleStatements ?? false,
    // Money and counts come back as numbers, dates as Date objects, in UTC.
    decimalNumbers: true,
    supportBigNumbers: true,
    timezone: 'Z',
    // mysql2 captures the caller's stack before every query, to put it on the query's error: 3 % of
    // storefront's CPU under load (bench/what-each-change-bought.md). The query's span already says
    // which request ran it and the error says which query failed.
    trace: false,
  };
}

export function createPool(options: PoolOptions): Pool {
  return mysql.createPool({
    ...connectionSettings(options),
    connectionLimit: options.connectionLimit ?? 10,
    queueLimit: options.queueLimit ?? 0,
    waitForConnections: true,
  });
}

/** Creates the schema if it is missing; safe to call from every service at start. */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  const connection = await mysql.createConnection(connectionSettings({ url }));
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  const connection = await mysql.createConnection(connectionSettings({ url }));
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}

/** Runs `work` in one transaction on a connection already held: committed if it resolves, rolled back if not. */
export async function transaction<T>(
  connection: PoolConnection,
  work: (connection: PoolConnection) => Promise<T>,
) {
  await connection.beginTransaction();
  try {
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback();
    throw error;
  }
}

/** Takes a connection from the pool for one transaction, and gives it back. */
export async function inTransaction<T>(pool: Pool, work: (connection: PoolConnection) => Promise<T>) {
  const connection = await pool.getConnection();
  try {
    return await transaction(connection, work);
  } finally {
    connection.release();
  }
}
