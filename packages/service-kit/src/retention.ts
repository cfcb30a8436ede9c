import type { ResultSetHeader } from '@incident-lab/db';
import { getMeter, type Logger } from '@incident-lab/telemetry';
import type { RunSql } from './idempotency/key-store';
import { type Poller, poll } from './poller';

/**
 * Bookkeeping rows a service writes for a while and then no longer needs (a published outbox row, a
 * processed message's id, a closed charge request). Kept forever they grow with every order, and the
 * queries that use their indexes slow down month by month: each has a retention, and old rows are
 * deleted in small batches in the background.
 */
export interface RetentionRule {
  table: string;
  /** The SQL condition of rows past retention; its one `?` is the retention in seconds. */
  expired: string;
  keepS: number;
}

/** Rows deleted per statement: short statements, so no batch holds locks long enough to slow checkout. */
const BATCH = 1000;

const expiredRows = getMeter('service-kit').createCounter('shop_rows_expired', {
  description: 'Bookkeeping rows deleted once past their retention, by table.',
});

/** Deletes every row of `rule.table` past its retention, batch after batch; returns how many. */
export async function expireRows(sql: RunSql, rule: RetentionRule): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = (await sql(`DELETE FROM ${rule.table} WHERE ${rule.expired} LIMIT ${BATCH}`, [
      rule.keepS,
    ])) as ResultSetHeader;
    deleted += result.affectedRows;
    if (result.affectedRows < BATCH) break;
  }
  if (deleted > 0) expiredRows.add(deleted, { table: rule.table });
  return deleted;
}

const EVERY_MS = 60_000;

/** Applies each rule now and then every minute until stopped. */
export function startRetention(sql: RunSql, rules: RetentionRule[], { logger }: { logger: Logger }): Poller {
  for (const rule of rules) expiredRows.add(0, { table: rule.table });
  return poll(
    async () => {
      for (const rule of rules) {
        const deleted = await expireRows(sql, rule);
        if (deleted > 0)
          logger.info({ table: rule.table, deleted, keepS: rule.keepS }, 'expired rows deleted');
      }
    },
    EVERY_MS,
    (error) => logger.warn({ err: error }, 'could not delete expired rows; will try again'),
  );
}
