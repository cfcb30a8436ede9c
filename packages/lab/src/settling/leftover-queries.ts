import { killLabSessions } from '../clients/mysql-sessions';
import type { LabOptions } from '../settings/lab-options';

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
export function cancelLeftoverQueries(lab: Pick<LabOptions, 'mysqlUrl' | 'namespace'>): Promise<number> {
  return killLabSessions(lab, {
    kill: 'QUERY',
    where: {
      sql: `COMMAND = 'Query' AND TIME >= ?
            AND INFO REGEXP '^[[:space:]]*SELECT' AND INFO NOT REGEXP 'FOR[[:space:]]+(UPDATE|SHARE)'`,
      values: [LEFTOVER_AFTER_S],
    },
  });
}
