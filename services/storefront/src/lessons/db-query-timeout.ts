import { type ServerFlavour, withStatementTimeout } from '@incident-lab/db';
/**
 * Lab 1, `db-query-timeout`: how long the database may work on the sales report. The report scans
 * every order; as the shop grows it takes seconds, and a client that gave up long ago still holds a
 * connection for it.
 */
export interface ReportQuery {
  sql: string;
  timeoutMs: number;
  flavour: ServerFlavour;
}

/** Broken: as long as it takes. The database finishes reports nobody is waiting for. */
export function uncapped(query: ReportQuery): string {
  return query.sql;
}

/**
 * Fixed: the database itself stops the query at `REPORT_TIMEOUT_MS` (2 s; `MAX_EXECUTION_TIME` on
 * MySQL, `max_statement_time` on MariaDB) and the connection comes back; the client gets 503 with
 * `Retry-After`.
 */
export function capped(query: ReportQuery): string {
  return withStatementTimeout(query.sql, query.timeoutMs, query.flavour);
}

/** The lesson chosen by the `db-query-timeout` flag's value. */
export const reportStatement = (dbQueryTimeout: boolean) => (dbQueryTimeout ? capped : uncapped);
