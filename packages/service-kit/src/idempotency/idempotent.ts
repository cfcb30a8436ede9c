import { createHash, randomUUID } from 'node:crypto';
import type { PoolConnection } from '@incident-lab/db';
import { getMeter } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { AppError, type AppErrorOptions } from '../app-error';
import { parseIdempotencyKey } from './key-header';
import { KeyStore, LeaseLost, type RunSql } from './key-store';

/**
 * `Idempotency-Key` as the IETF httpapi draft describes it, made crash-safe the way Stripe's keys
 * are (brandur's rocket-rides-atomic): the client sends a unique key with a POST and retries with
 * the same key; the server runs the request once per key.
 *
 * - A first request claims the key with a lease (`KEY_LEASE_S`). The handler records a *recovery
 *   point* and the ids it made (order id, payment id) in the same transaction as each side effect.
 * - A retry after the answer gets the stored answer again (`Idempotent-Replayed: true`), refusals
 *   included; the same key with another body gets 422.
 * - A retry while the holder's lease runs gets 409 with `Retry-After`. When the holder failed (5xx)
 *   it released the lease; when it died, the lease passes. Either way the retry takes the key over
 *   and *resumes* from the last recovery point with the same ids, so the provider sees the same
 *   reference and charges once.
 *
 * Keys live in the service's `idempotency_keys` table (service-kit's migration) and expire after
 * `KEY_TTL_S`; an expired key is treated as new.
 */
export const KEY_TTL_S = 24 * 60 * 60;
export const KEY_LEASE_S = 30;
/** Expired keys are deleted in batches at most this often (and any single expired key on use). */
const PURGE_EVERY_MS = 60_000;

/** What a handler answers; stored as is so a replay is byte-for-byte the same answer. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What earlier attempts under this key did, and how the handler records what it does next. */
export interface KeyProgress {
  /** The key as stored (`<scope>:<key>`); undefined when keys are off and the request runs unkeyed. */
  readonly key?: string;
  /** The last recovery point an attempt under this key reached: `started` when none. */
  readonly point: string;
  /** The ids recorded with it (an order id, a payment id): a resumed request reuses them. */
  readonly ids: Readonly<Record<string, string>>;
  /** Records a recovery point and the ids made so far, inside the caller's transaction. */
  record(connection: PoolConnection, point: string, ids: Record<string, string>): Promise<void>;
}

/** Without a key nothing is remembered: every request starts from scratch with fresh ids. */
export const NO_KEY: KeyProgress = { point: 'started', ids: {}, record: async () => undefined };

type Outcome =
  | 'new'
  | 'resumed'
  | 'replayed'
  | 'in-flight'
  | 'payload-mismatch'
  | 'missing'
  | 'invalid'
  | 'not-required';

const requests = getMeter('idempotency').createCounter('shop_idempotency_requests', {
  description:
    'Requests on idempotent routes by outcome: new, resumed (a retry took over an unfinished key), replayed, in-flight (409), payload-mismatch (422), missing or invalid (400), not-required (flag off).',
});

export type StoredProblem = { problem: AppErrorOptions };

function fingerprint(request: Request): string {
  return createHash('sha256')
    .update(`${request.method} ${request.baseUrl}${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/** A stored problem is rethrown as the same AppError, so the problem handler renders it again. */
function replay(answer: StoredAnswer | StoredProblem): StoredAnswer {
  if ('problem' in answer) {
    throw new AppError({
      ...answer.problem,
      headers: { ...answer.problem.headers, 'idempotent-replayed': 'true' },
    });
  }
  return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
}

export function asStoredProblem(error: AppError): StoredProblem {
  const { status, code, title, detail, invalidParams, headers } = error;
  return { problem: { status, code, title, detail, invalidParams, headers } };
}

export interface IdempotentOptions {
  sql: RunSql;
  /** Whether a key is required and honoured now (the `idempotency-keys` flag); off, it is ignored. */
  enabled: (response: Response) => boolean;
  /** Keys are per client: a prefix such as the user id keeps two clients' keys apart. */
  scope?: (request: Request) => string | Promise<string>;
  /** How long a request holds its key before a retry may take it over (default `KEY_LEASE_S`). */
  leaseS?: number;
  /** How long a key answers its retries before it expires and is deleted (default `KEY_TTL_S`, 24 h). */
  ttlS?: number;
}

/** Wraps a POST handler so it runs at most once per key, resuming where a failed attempt stopped. */
export function idempotent(
  options: IdempotentOptions,
  handler: (request: Request, progress: KeyProgress, response: Response) => Promise<StoredAnswer>,
): RequestHandler {
  const keys = new KeyStore(options.sql, options.leaseS ?? KEY_LEASE_S, options.ttlS ?? KEY_TTL_S);
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
      span?.setAttribute('shop.idempotency.outcome', outcome);
    };
    if (!options.enabled(response)) {
      count('not-required');
      return send(await handler(request, NO_KEY, response));
    }
    const header = request.get('idempotency-key');
    if (header === undefined) {
      count('missing');
      throw new AppError({
        status: 400,
        code: 'idempotency-key-missing',
        title: 'This request needs an Idempotency-Key header',
        detail: 'Send a unique Idempotency-Key (a UUID) and reuse it when you retry the same request.',
      });
    }
    const parsed = parseIdempotencyKey(header);
    if (!parsed.ok) {
      count('invalid');
      throw new AppError({
        status: 400,
        code: 'idempotency-key-invalid',
        title: 'The Idempotency-Key header cannot be read',
        detail: `${parsed.reason}. Send a UUID, bare or as a quoted string.`,
      });
    }
    span?.setAttribute('shop.idempotency.key', parsed.key);
    const key = `${(await options.scope?.(request)) ?? ''}:${parsed.key}`;
    const hash = fingerprint(request);
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      await keys.purgeExpired();
    }

    const token = randomUUID();
    let progress = { point: 'started', ids: {} as Record<string, string> };
    let claimed = await keys.insert(key, hash, token);
    if (!claimed) {
      let row = await keys.read(key);
      if (!row || (row.expired && (await keys.deleteIfExpired(key)))) {
        claimed = await keys.insert(key, hash, token);
        row = claimed ? undefined : await keys.read(key);
      }
      if (!claimed) {
        if (!row || row.requestHash !== hash) {
          count(row ? 'payload-mismatch' : 'in-flight');
          throw row
            ? new AppError({
                status: 422,
                code: 'idempotency-key-reused',
                title: 'This Idempotency-Key was used for a different request',
                detail: 'Use a new key for a new request; reuse a key only to retry the very same request.',
              })
            : inFlight(1_000);
        }
        if (row.state === 'DONE' && row.answer) {
          count('replayed');
          return send(replay(JSON.parse(row.answer)));
        }
        if (row.leaseLeftMs > 0 || !(await keys.takeOver(key, token))) {
          count('in-flight');
          throw inFlight(row.leaseLeftMs);
        }
        count('resumed');
        span?.setAttribute('shop.idempotency.resumed_from', row.recoveryPoint);
        progress = { point: row.recoveryPoint, ids: row.progress };
      }
    }
    if (claimed) count('new');

    let ids = { ...progress.ids };
    const keyProgress: KeyProgress = {
      key,
      point: progress.point,
      ids: progress.ids,
      record: async (connection, point, more) => {
        ids = { ...ids, ...more };
        await keys.record(connection, key, token, point, ids);
      },
    };
    let answer: StoredAnswer;
    try {
      answer = await handler(request, keyProgress, response);
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      if (error instanceof AppError && error.status < 500) {
        // A refusal is an answer: the retry gets it again, invalid-params and all.
        await keys.finish(key, token, error.status, asStoredProblem(error));
      } else {
        // Something failed on our side, perhaps after a side effect: keep the progress, free the key,
        // and let the retry resume. If even this write fails, the lease passes by itself.
        await keys.release(key, token).catch(() => undefined);
      }
      throw error;
    }
    try {
      await keys.finish(key, token, answer.status, answer);
    } catch (error) {
      // The work is done and its answer known; only storing the answer failed. The client gets it
      // anyway, and the key is freed with its progress: a retry resumes from the last recovery point
      // with the same ids and gets the same answer at once, not 409 until the lease passes. If even
      // the release fails, the lease passes by itself.
      span?.recordException(error as Error);
      await keys.release(key, token).catch(() => undefined);
    }
    send(answer);
  };
}

function inFlight(leaseLeftMs: number): AppError {
  return new AppError({
    status: 409,
    code: 'idempotency-key-in-flight',
    title: 'A request with this Idempotency-Key is still being processed',
    detail: 'Retry after the time in Retry-After to get its answer.',
    headers: { 'retry-after': String(Math.max(1, Math.ceil(leaseLeftMs / 1000))) },
  });
}
