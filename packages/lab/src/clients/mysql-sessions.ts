import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { createPool, type RowDataPacket } from '@incident-lab/db';
import type { LabOptions } from '../settings/lab-options';

export interface SessionKill {
  /** `CONNECTION` ends the session (the client sees its connection lost); `QUERY` only its statement. */
  kill: 'CONNECTION' | 'QUERY';
  /** More conditions on `information_schema.PROCESSLIST` (`COMMAND`, `TIME`, `INFO`), with their values. */
  where?: { sql: string; values: unknown[] };
}

/**
 * Kills the MySQL sessions of this lab's services (those on the lab's own schemas, never another
 * lab's or anyone else's on a shared server), or only their running statements, and returns how
 * many kills landed. `lab chaos` cuts connections with it; `lab run` cancels leftover reads.
 */
export async function killLabSessions(
  lab: Pick<LabOptions, 'mysqlUrl' | 'namespace'>,
  { kill, where }: SessionKill,
): Promise<number> {
  const schemas = SCHEMA_OWNERS.map((owner) => databaseName(lab.namespace, owner));
  const pool = createPool({ url: lab.mysqlUrl, connectionLimit: 1 });
  try {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT ID AS id FROM information_schema.PROCESSLIST
        WHERE DB IN (?) AND ID <> CONNECTION_ID() ${where ? `AND ${where.sql}` : ''}`,
      [schemas, ...(where?.values ?? [])],
    );
    let killed = 0;
    for (const { id } of rows) {
      // The session may have ended between the list and the kill: that one is not counted.
      const landed = await pool.query(`KILL ${kill} ?`, [id]).then(
        () => true,
        () => false,
      );
      if (landed) killed++;
    }
    return killed;
  } finally {
    await pool.end();
  }
}
