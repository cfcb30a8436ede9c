import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { createPool, type RowDataPacket } from '@incident-lab/db';
import type { LabOptions } from '../stack/lab-options';

/** A read this old, once the load has stopped, is work for a client that gave up. */
const LEFTOVER_AFTER_S = 1;

/**
 * Cancels the shop's queries still running from load that has ended (`KILL QUERY`, as an operator
 * stops runaway queries in an incident), and says how many. A broken report storm leaves minutes of
 * report queries queued behind each other for clients that gave up long ago; waiting them out made
 * `lab run cascading` take two minutes more, the lesson's evidence already taken. The handler gets
 * the query's error and ends; the connection goes back to its pool. Only plain reads are cancelled:
 * a write or a locking read belongs to a transaction a lab's audit is about to look at.
 */
export async function cancelLeftoverQueries(
  lab: Pick<LabOptions, 'mysqlUrl' | 'namespace'>,
): Promise<number> {
  const schemas = SCHEMA_OWNERS.map((owner) => databaseName(lab.namespace, owner));
  const pool = createPool({ url: lab.mysqlUrl, connectionLimit: 1 });
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST
        WHERE DB IN (?) AND COMMAND = 'Query' AND TIME >= ? AND ID <> CONNECTION_ID()
          AND INFO REGEXP '^[[:space:]]*SELECT' AND INFO NOT REGEXP 'FOR[[:space:]]+(UPDATE|SHARE)'`,
      [schemas, LEFTOVER_AFTER_S],
    );
    let cancelled = 0;
    for (const { id } of rows) {
      // The query may have ended between the list and the kill: that one is not counted.
      if (
        await pool.query('KILL QUERY ?', [id]).then(
          () => true,
          () => false,
        )
      )
        cancelled++;
    }
    return cancelled;
  } finally {
    await pool.end();
  }
}
