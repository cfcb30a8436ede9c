import { createHash } from 'node:crypto';
import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { AppError } from './app-error';

/**
 * `Idempotency-Key` as the IETF httpapi draft describes it: the client sends a unique key with a
 * POST, and the server runs the request once per key. A retry after completion gets the stored
 * answer again (marked `Idempotent-Replayed: true`), a retry while the first is still running gets
 * 409, and the same key with a different body gets 422.
 *
 * Keys live in the service's own `idempotency_keys` table (primary key = the key, so two concurrent
 * first requests cannot both win) and expire after `KEY_TTL_S`; an expired key is treated as new.
 */
export const KEY_TTL_S = 24 * 60 * 60;
const MAX_KEY_LENGTH = 200;
/** Expired keys are deleted in batches at most this often (and any single expired key on use). */
const PURGE_EVERY_MS = 60_000;

/** Runs SQL on the service's database: rows for a SELECT, `{ affectedRows }` for a write. */
export type RunSql = (sql: string, params: unknown[]) => Promise<unknown>;

/** What a handler answers; stored as is so a replay is byte-for-byte the same answer. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Outcome = 'new' | 'replayed' | 'in-flight' | 'payload-mismatch' | 'missing' | 'not-required';

const requests = getMeter('idempotency').createCounter('shop_idempotency_requests', {
  description:
    'Requests on idempotent routes by outcome: new, replayed, in-flight (409), payload-mismatch (422), missing (400), not-required (flag off).',
});

interface KeyRow {
  request_hash: string;
  state: 'IN_FLIGHT' | 'DONE';
  answer: string | null;
}

function fingerprint(request: Request): string {
  return createHash('sha256')
    .update(`${request.method} ${request.baseUrl}${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/** A stored problem is rethrown as the same AppError, so the problem handler renders it again. */
function replay(answer: StoredAnswer | { problem: ConstructorParameters<typeof AppError>[0] }) {
  if ('problem' in answer) {
    throw new AppError({
      ...answer.problem,
      headers: { ...answer.problem.headers, 'idempotent-replayed': 'true' },
    });
  }
  return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
}

export interface IdempotentOptions {
  sql: RunSql;
  /** Whether a key is required and honoured now (the `idempotency-keys` flag); off, it is ignored. */
  enabled: () => Promise<boolean>;
  /** Keys are per client: a prefix such as the user id keeps two clients' keys apart. */
  scope?: (request: Request) => string;
}

/** Wraps a POST handler so it runs at most once per key. */
export function idempotent(
  options: IdempotentOptions,
  handler: (request: Request) => Promise<StoredAnswer>,
): RequestHandler {
  const { sql } = options;
  let lastPurge = 0;
  return async (request, response) => {
    const span = trace.getActiveSpan();
    const send = (answer: StoredAnswer) =>
      response
        .status(answer.status)
        .set(answer.headers ?? {})
        .json(answer.body);
    const count = (outcome: Outcome) => {
      requests.add(1, { outcome });
      span?.setAttribute('idempotency.outcome', outcome);
    };
    const key = request.get('idempotency-key');
    if (!(await options.enabled())) {
      count('not-required');
      return send(await handler(request));
    }
    if (!key) {
      count('missing');
      throw new AppError({
        status: 400,
        code: 'idempotency-key-missing',
        title: 'This request needs an Idempotency-Key header',
        detail: 'Send a unique Idempotency-Key (a UUID) and reuse it when you retry the same request.',
      });
    }
    if (key.length > MAX_KEY_LENGTH) {
      throw new AppError({
        status: 400,
        code: 'idempotency-key-invalid',
        title: `The Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters`,
      });
    }
    span?.setAttribute('idempotency.key', key);
    const stored = `${options.scope?.(request) ?? ''}:${key}`;
    const hash = fingerprint(request);

    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      await sql('DELETE FROM idempotency_keys WHERE expires_at < NOW(3) LIMIT 1000', []);
    }
    const claim = async () =>
      (
        (await sql(
          `INSERT IGNORE INTO idempotency_keys (idem_key, request_hash, state, expires_at)
           VALUES (?, ?, 'IN_FLIGHT', NOW(3) + INTERVAL ? SECOND)`,
          [stored, hash, KEY_TTL_S],
        )) as { affectedRows: number }
      ).affectedRows === 1;
    // An expired key counts as new: it is removed only when it is in the way, so a first request
    // costs one write.
    let claimed = await claim();
    if (!claimed) {
      const expired = (await sql('DELETE FROM idempotency_keys WHERE idem_key = ? AND expires_at < NOW(3)', [
        stored,
      ])) as { affectedRows: number };
      if (expired.affectedRows === 1) claimed = await claim();
    }

    if (!claimed) {
      const [row] = (await sql(
        'SELECT request_hash, state, answer FROM idempotency_keys WHERE idem_key = ?',
        [stored],
      )) as KeyRow[];
      if (row && row.request_hash !== hash) {
        count('payload-mismatch');
        throw new AppError({
          status: 422,
          code: 'idempotency-key-reused',
          title: 'This Idempotency-Key was used for a different request',
          detail: 'Use a new key for a new request; reuse a key only to retry the very same request.',
        });
      }
      if (!row || row.state === 'IN_FLIGHT' || !row.answer) {
        count('in-flight');
        throw new AppError({
          status: 409,
          code: 'idempotency-key-in-flight',
          title: 'A request with this Idempotency-Key is still being processed',
          detail: 'Retry after a moment to get its answer.',
          headers: { 'retry-after': '1' },
        });
      }
      count('replayed');
      return send(replay(JSON.parse(row.answer)));
    }

    count('new');
    const finish = (answer: unknown) =>
      sql(`UPDATE idempotency_keys SET state = 'DONE', answer = ? WHERE idem_key = ?`, [
        JSON.stringify(answer),
        stored,
      ]);
    let answer: StoredAnswer;
    try {
      answer = await handler(request);
    } catch (error) {
      // A refusal is an answer and is replayed; an unexpected failure releases the key for a retry.
      if (error instanceof AppError && error.status < 500) {
        await finish({
          problem: {
            status: error.status,
            code: error.code,
            title: error.title,
            detail: error.detail,
            headers: error.headers,
          },
        });
      } else {
        await sql('DELETE FROM idempotency_keys WHERE idem_key = ?', [stored]);
      }
      throw error;
    }
    await finish(answer);
    send(answer);
  };
}
