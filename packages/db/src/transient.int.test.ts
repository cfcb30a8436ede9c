import { serverUrls } from '@incident-lab/config';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from './pool';
import { isTransientDbError } from './transient';

const { mysqlUrl: url } = serverUrls();
const pool = createPool({ url, connectionLimit: 2 });

afterAll(() => pool.end());

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('isTransientDbError on the real MySQL', () => {
  it('says yes when the connection is killed under a query, and the pool goes on with a new one', async () => {
    const connection = await pool.getConnection();
    const [[{ id }]] = (await connection.query('SELECT CONNECTION_ID() AS id')) as unknown as [
      [{ id: number }],
    ];
    const killed = errorOf(() => connection.query('SELECT SLEEP(5)'));
    await pool.query('KILL ?', [id]);
    expect(isTransientDbError(await killed)).toBe(true);
    connection.release();
    const [rows] = await pool.query('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it('says no to a mistake in the request itself', async () => {
    expect(isTransientDbError(await errorOf(() => pool.query('SELECT * FROM no_such_table_here')))).toBe(
      false,
    );
    expect(isTransientDbError(new Error('anything else'))).toBe(false);
  });
});
