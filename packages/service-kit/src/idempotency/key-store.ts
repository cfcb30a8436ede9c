import {
  isDuplicateKeyError,
  type PoolConnection,
  type ResultSetHeader,
  type RowDataPacket,
} from '@incident-lab/db';
import { AppError } from '../app-error';

/** Runs SQL on the service's database: rows for a SELECT, `{ affectedRows }` for a write. */
export type RunSql = (sql: string, params: unknown[]) => Promise<unknown>;

export interface KeyRow {
  requestHash: string;
  state: 'IN_FLIGHT' | 'DONE';
  recoveryPoint: string;
  progress: Record<string, string>;
  /** Milliseconds left on the holder's lease; 0 when it has passed or was released. */
  leaseLeftMs: number;
  expired: boolean;
  answer: string | null;
}

/** The key was taken over by a retry after this request's lease passed: the retry answers now. */
export class LeaseLost extends AppError {
  constructor(key: string) {
    super({
      status: 409,
      code: 'idempotency-key-taken-over',
      title: 'A retry with this Idempotency-Key took over this request',
      detail: `The lease on key ${key} passed while this request ran; the retry resumes it. Retry to get its answer.`,
      headers: { 'retry-after': '1' },
    });
  }
}

/**
 * The `idempotency_keys` table, statement by statement. Every write by the request working on a key
 * is fenced by its lease token, so a request that lost its lease can never overwrite the one that
 * took the key over.
 */
export class KeyStore {
  constructor(
    private readonly sql: RunSql,
    private readonly leaseS: number,
    private readonly ttlS: number,
  ) {}

  /** Claims a new key; false when the key exists already. */
  async insert(key: string, hash: string, token: string): Promise<boolean> {
    try {
      await this.sql(
        `INSERT INTO idempotency_keys
           (idem_key, request_hash, state, recovery_point, progress, lease_token, locked_until, expires_at)
         VALUES (?, ?, 'IN_FLIGHT', 'started', '{}', ?, NOW(3) + INTERVAL ? SECOND, NOW(3) + INTERVAL ? SECOND)`,
        [key, hash, token, this.leaseS, this.ttlS],
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async read(key: string): Promise<KeyRow | undefined> {
    const [row] = (await this.sql(
      `SELECT request_hash, state, recovery_point, progress, answer, expires_at < NOW(3) AS expired,
              GREATEST(0, COALESCE(TIMESTAMPDIFF(MICROSECOND, NOW(3), locked_until), 0)) DIV 1000 AS lease_left_ms
         FROM idempotency_keys WHERE idem_key = ?`,
      [key],
    )) as RowDataPacket[];
    if (!row) return undefined;
    return {
      requestHash: String(row.request_hash),
      state: row.state,
      recoveryPoint: String(row.recovery_point),
      progress: JSON.parse(String(row.progress)),
      leaseLeftMs: Number(row.lease_left_ms),
      expired: Number(row.expired) === 1,
      answer: row.answer === null ? null : String(row.answer),
    };
  }

  /** Takes over a key whose holder's lease has passed or was released; false when someone else did. */
  async takeOver(key: string, token: string): Promise<boolean> {
    const result = (await this.sql(
      `UPDATE idempotency_keys SET lease_token = ?, locked_until = NOW(3) + INTERVAL ? SECOND
        WHERE idem_key = ? AND state = 'IN_FLIGHT' AND (locked_until IS NULL OR locked_until <= NOW(3))`,
      [token, this.leaseS, key],
    )) as ResultSetHeader;
    return result.affectedRows === 1;
  }

  /** An expired key is removed only when a request needs it, so a first request costs one write. */
  async deleteIfExpired(key: string): Promise<boolean> {
    const result = (await this.sql(
      'DELETE FROM idempotency_keys WHERE idem_key = ? AND expires_at < NOW(3)',
      [key],
    )) as ResultSetHeader;
    return result.affectedRows === 1;
  }

  async purgeExpired(): Promise<void> {
    await this.sql('DELETE FROM idempotency_keys WHERE expires_at < NOW(3) LIMIT 1000', []);
  }

  /**
   * Records a recovery point in the caller's transaction (and renews the lease): the side effect and
   * the record that it happened commit together. Throws `LeaseLost` when the key was taken over,
   * which rolls the caller's transaction back.
   */
  async record(
    connection: PoolConnection,
    key: string,
    token: string,
    point: string,
    progress: Record<string, string>,
  ): Promise<void> {
    const [result] = await connection.query<ResultSetHeader>(
      `UPDATE idempotency_keys SET recovery_point = ?, progress = ?, locked_until = NOW(3) + INTERVAL ? SECOND
        WHERE idem_key = ? AND lease_token = ? AND state = 'IN_FLIGHT'`,
      [point, JSON.stringify(progress), this.leaseS, key, token],
    );
    if (result.affectedRows !== 1) throw new LeaseLost(key);
  }

  /** Stores the answer every retry gets from now on; false when the lease was lost first. */
  async finish(key: string, token: string, status: number, answer: unknown): Promise<boolean> {
    const result = (await this.sql(
      `UPDATE idempotency_keys
          SET state = 'DONE', recovery_point = 'finished', answer_status = ?, answer = ?,
              lease_token = NULL, locked_until = NULL
        WHERE idem_key = ? AND lease_token = ?`,
      [status, JSON.stringify(answer), key, token],
    )) as ResultSetHeader;
    return result.affectedRows === 1;
  }

  /**
   * Finishes a key whose request nobody holds any more (its holder died or failed, and its client has
   * not come back), when the work it recorded was finished by another path: `field` of its progress
   * must be `value`. Its client, if it ever retries, gets this answer replayed.
   */
  async finishAbandoned(
    key: string,
    field: string,
    value: string,
    status: number,
    answer: unknown,
  ): Promise<boolean> {
    const result = (await this.sql(
      `UPDATE idempotency_keys
          SET state = 'DONE', recovery_point = 'finished', answer_status = ?, answer = ?,
              lease_token = NULL, locked_until = NULL
        WHERE idem_key = ? AND state = 'IN_FLIGHT' AND (locked_until IS NULL OR locked_until <= NOW(3))
          AND JSON_VALUE(progress, ?) = ?`,
      [status, JSON.stringify(answer), key, `$.${field}`, value],
    )) as ResultSetHeader;
    return result.affectedRows === 1;
  }

  /**
   * Keys whose request nobody holds any more and nobody has touched for `quietS`: the holder died or
   * failed, and its client has had time to retry and has not.
   */
  async abandoned(
    limit: number,
    quietS: number,
  ): Promise<Array<{ key: string; recoveryPoint: string; progress: Record<string, string> }>> {
    const rows = (await this.sql(
      `SELECT idem_key, recovery_point, progress FROM idempotency_keys
        WHERE state = 'IN_FLIGHT' AND (locked_until IS NULL OR locked_until <= NOW(3))
          AND updated_at < NOW(3) - INTERVAL ? SECOND
        ORDER BY updated_at LIMIT ?`,
      [quietS, limit],
    )) as RowDataPacket[];
    return rows.map((row) => ({
      key: Buffer.isBuffer(row.idem_key) ? row.idem_key.toString('latin1') : String(row.idem_key),
      recoveryPoint: String(row.recovery_point),
      progress: JSON.parse(String(row.progress)),
    }));
  }

  /** Removes an abandoned key that had done nothing yet: a retry starts afresh, as it would resume. */
  async removeAbandonedStart(key: string): Promise<boolean> {
    const result = (await this.sql(
      `DELETE FROM idempotency_keys WHERE idem_key = ? AND state = 'IN_FLIGHT' AND recovery_point = 'started'
          AND (locked_until IS NULL OR locked_until <= NOW(3))`,
      [key],
    )) as ResultSetHeader;
    return result.affectedRows === 1;
  }

  /**
   * Gives the key up after a failure, keeping its progress: the next retry resumes at once. A key
   * whose request failed before its first recovery point (shed under load, say) is deleted instead: a
   * retry would start afresh anyway, and an overload would otherwise leave thousands of keys for the
   * completer to remove 50 at a time.
   */
  async release(key: string, token: string): Promise<void> {
    const forgotten = (await this.sql(
      "DELETE FROM idempotency_keys WHERE idem_key = ? AND lease_token = ? AND state = 'IN_FLIGHT' AND recovery_point = 'started'",
      [key, token],
    )) as ResultSetHeader;
    if (forgotten.affectedRows === 1) return;
    await this.sql(
      'UPDATE idempotency_keys SET lease_token = NULL, locked_until = NULL WHERE idem_key = ? AND lease_token = ?',
      [key, token],
    );
  }
}
