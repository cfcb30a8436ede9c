import type { Logger } from '@incident-lab/telemetry';
import { AppError } from '../app-error';
import { type Poller, poll } from '../poller';
import { asStoredProblem, KEY_LEASE_S, KEY_TTL_S, type StoredAnswer } from './idempotent';
import { KeyStore, type RunSql } from './key-store';

export interface KeyCompleterOptions {
  sql: RunSql;
  /** The progress field naming the work a key's request did: `orderId`, `paymentId`. */
  field: string;
  /** The answer the request would give for that work once it is finished; undefined until then. */
  answerFor: (id: string) => Promise<StoredAnswer | AppError | undefined>;
  logger: Logger;
  /** A key is left for its client to retry this long after anything last happened to it. */
  quietS?: number;
}

const BATCH = 50;
const QUIET_S = 30;

/**
 * The completer of rocket-rides-atomic: finishes the keys of requests that died or failed and whose
 * client has not come back. When another path has finished the work the key recorded (a relay, an
 * event, the reconciler), the key gets the answer the request would have given, and a late retry
 * has it replayed; a key that had done nothing yet is removed, as a retry would start afresh. What
 * is still unfinished stays IN_FLIGHT for a retry to resume.
 */
export async function completeAbandonedKeys(
  options: KeyCompleterOptions,
): Promise<{ finished: number; removed: number }> {
  const keys = new KeyStore(options.sql, KEY_LEASE_S, KEY_TTL_S);
  let finished = 0;
  let removed = 0;
  for (const { key, recoveryPoint, progress } of await keys.abandoned(BATCH, options.quietS ?? QUIET_S)) {
    const id = progress[options.field];
    if (recoveryPoint === 'started' || !id) {
      if (await keys.removeAbandonedStart(key)) removed++;
      continue;
    }
    const answer = await options.answerFor(id);
    if (!answer) continue;
    const stored = answer instanceof AppError ? asStoredProblem(answer) : answer;
    if (await keys.finishAbandoned(key, options.field, id, answer.status, stored)) {
      finished++;
      options.logger.info(
        { idempotencyKey: key, [options.field]: id, status: answer.status },
        'abandoned key finished with its answer',
      );
    }
  }
  return { finished, removed };
}

/** Runs the completer every `intervalMs`. */
export function startKeyCompleter(options: KeyCompleterOptions, intervalMs = 5_000): Poller {
  return poll(
    () => completeAbandonedKeys(options),
    intervalMs,
    (error) => options.logger.warn({ err: error }, 'key completer failed; will retry'),
    intervalMs,
  );
}
