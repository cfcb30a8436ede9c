import { createHash, randomUUID } from 'node:crypto';
import { serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, inTransaction, migrate, type Pool } from '@incident-lab/db';
import { createLogger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../app-error';
import { createServiceApp } from '../create-service-app';
import { type Listening, listen } from '../serve';
import { validate } from '../validate';
import { idempotent } from './idempotent';
import { completeAbandonedKeys, IDEMPOTENCY_MIGRATIONS } from './index';

/**
 * The middleware on the real MySQL: a route that writes a row (its side effect) and records it as a
 * recovery point, and can be told to fail or stall after that, as a lost connection or a killed
 * process would.
 */
const { mysqlUrl: url } = serverUrls();
const database = `idemtest_${process.pid}`;
const LEASE_S = 1;
let pool: Pool;
let server: Listening;
let failAfterEffect = 0;
/** How many of the next writes that mark a key done the database refuses. */
let refuseKeyDone = 0;
let stall: Promise<void> | undefined;
const silent = createLogger('idempotency-test');
silent.level = 'silent';

beforeAll(async () => {
  await migrate({ url, database, dir: IDEMPOTENCY_MIGRATIONS.dir });
  pool = createPool({ url, database });
  await pool.query('CREATE TABLE things (id CHAR(36) PRIMARY KEY, name VARCHAR(20) NOT NULL)');
  const routes = Router();
  const sql = async (statement: string, params: unknown[]) => {
    if (refuseKeyDone > 0 && statement.includes("SET state = 'DONE'")) {
      refuseKeyDone--;
      throw new Error('Lock wait timeout exceeded; try restarting transaction');
    }
    return (await pool.query(statement, params))[0];
  };
  routes.post(
    '/things',
    idempotent({ sql, enabled: () => true, leaseS: LEASE_S }, async (request, progress) => {
      const { name } = validate(z.object({ name: z.string().min(1).max(20) }), request.body);
      // Shed before doing anything, as a pool with no free connection refuses a request.
      if (name === 'shed') throw new AppError({ status: 503, code: 'overloaded', title: 'Busy' });
      let id = progress.ids.thingId;
      if (!id) {
        const fresh = randomUUID();
        await inTransaction(pool, async (connection) => {
          await connection.query('INSERT INTO things (id, name) VALUES (?, ?)', [fresh, name]);
          await progress.record(connection, 'thing-created', { thingId: fresh });
        });
        id = fresh;
      }
      if (failAfterEffect > 0) {
        failAfterEffect--;
        throw new Error('connection lost after the thing was written');
      }
      await stall;
      if (name === 'refuse') throw new AppError({ status: 402, code: 'refused', title: 'Refused' });
      return { status: 201, body: { id, name, resumedFrom: progress.point } };
    }),
  );
  // A route whose keys live two minutes instead of a day (a service's IDEMPOTENCY_KEY_TTL_S).
  routes.post(
    '/short-lived',
    idempotent({ sql, enabled: () => true, ttlS: 120 }, async () => ({ status: 201, body: { ok: true } })),
  );
  server = await listen(createServiceApp({ logger: silent, publicRoutes: routes, readiness: {} }));
});

afterAll(async () => {
  await server?.close();
  await pool?.end();
  await dropDatabase(url, database);
});

beforeEach(() => {
  failAfterEffect = 0;
  refuseKeyDone = 0;
  stall = undefined;
});

async function post(key: string | undefined, body: unknown) {
  const response = await fetch(`${server.url}/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

const thingsNamed = async (name: string) =>
  Number(
    (
      (await pool.query('SELECT COUNT(*) AS n FROM things WHERE name = ?', [name]))[0] as Array<{ n: number }>
    )[0]?.n,
  );

describe('idempotent() on the real MySQL', () => {
  it('answers its outcome when the write that marks the key done fails, and a retry gets it again at once', async () => {
    refuseKeyDone = 1;
    const key = randomUUID();
    const first = await post(key, { name: 'unstored' });
    // The thing was made: the client is told so, not 500.
    expect(first.response.status).toBe(201);
    // Its retry, well inside the lease, gets the same thing (not 409 in-flight), and nothing twice.
    const retry = await post(key, { name: 'unstored' });
    expect(retry.response.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await thingsNamed('unstored')).toBe(1);
    // The retry stored the answer: the next one is a replay.
    const third = await post(key, { name: 'unstored' });
    expect(third.response.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body.id).toBe(first.body.id);
  });

  it('keeps a key for 24 hours, or for the time its route asks', async () => {
    const lifeOf = async (key: string) =>
      Number(
        (
          (
            await pool.query(
              'SELECT TIMESTAMPDIFF(SECOND, NOW(3), expires_at) AS s FROM idempotency_keys WHERE idem_key = ?',
              [`:${key}`],
            )
          )[0] as Array<{ s: number }>
        )[0]?.s,
      );
    const daily = randomUUID();
    await post(daily, { name: 'daily' });
    expect(await lifeOf(daily)).toBeGreaterThan(86_390);
    const brief = randomUUID();
    const response = await fetch(`${server.url}/short-lived`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': brief },
      body: '{}',
    });
    expect(response.status).toBe(201);
    expect(await lifeOf(brief)).toBeGreaterThan(110);
    expect(await lifeOf(brief)).toBeLessThanOrEqual(120);
  });

  it('runs once per key and replays the answer, marked as a replay', async () => {
    const key = randomUUID();
    const first = await post(key, { name: 'once' });
    const again = await post(key, { name: 'once' });
    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(201);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await thingsNamed('once')).toBe(1);
  });

  it('forgets a key whose request failed before doing anything (shed under load): nothing is left to finish', async () => {
    const key = randomUUID();
    expect((await post(key, { name: 'shed' })).response.status).toBe(503);
    const [rows] = (await pool.query('SELECT idem_key FROM idempotency_keys WHERE idem_key LIKE ?', [
      `%${key}`,
    ])) as unknown as [unknown[]];
    expect(rows).toEqual([]);
  });

  it('after a 5xx that followed the side effect, the retry resumes with the same id instead of starting over', async () => {
    failAfterEffect = 1;
    const key = randomUUID();
    const failed = await post(key, { name: 'resume' });
    expect(failed.response.status).toBe(500);
    const retry = await post(key, { name: 'resume' });
    expect(retry.response.status).toBe(201);
    expect(retry.body.resumedFrom).toBe('thing-created');
    expect(await thingsNamed('resume')).toBe(1);
    const [[row]] = (await pool.query('SELECT id FROM things WHERE name = ?', ['resume'])) as unknown as [
      Array<{ id: string }>,
    ];
    expect(retry.body.id).toBe(row?.id);
  });

  it('answers 409 with Retry-After while the holder lives, and lets a retry take over once its lease has passed', async () => {
    let release = () => undefined as void;
    stall = new Promise<void>((resolve) => {
      release = resolve;
    });
    const key = randomUUID();
    // The holder writes its thing and then hangs, as a process that died mid-request would.
    const holder = post(key, { name: 'lease' });
    await until(async () => (await thingsNamed('lease')) === 1);
    const during = await post(key, { name: 'lease' });
    expect(during.response.status).toBe(409);
    expect(during.body.type).toBe('/problems/idempotency-key-in-flight');
    expect(Number(during.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    stall = undefined;
    let taken: Awaited<ReturnType<typeof post>> | undefined;
    await until(async () => {
      taken = await post(key, { name: 'lease' });
      return taken.response.status !== 409;
    });
    expect(taken?.response.status).toBe(201);
    expect(taken?.body.resumedFrom).toBe('thing-created');
    // The old holder wakes up: its answer is no longer the key's, and nothing was written twice.
    release();
    await holder;
    expect(await thingsNamed('lease')).toBe(1);
    const replay = await post(key, { name: 'lease' });
    expect(replay.body).toEqual(taken?.body);
  });

  it('treats keys that differ only in letter case as two keys', async () => {
    const key = `Key-${randomUUID()}`;
    await post(key, { name: 'case' });
    const other = await post(key.toLowerCase(), { name: 'case' });
    expect(other.response.headers.get('idempotent-replayed')).toBeNull();
    expect(await thingsNamed('case')).toBe(2);
  });

  it('reads the quoted sf-string form and the bare form as the same key', async () => {
    const key = randomUUID();
    await post(`"${key}"`, { name: 'quoted' });
    const bare = await post(key, { name: 'quoted' });
    expect(bare.response.headers.get('idempotent-replayed')).toBe('true');
    expect(await thingsNamed('quoted')).toBe(1);
  });

  it('replays a 400 with its invalid-params, and a refusal as it was', async () => {
    const key = randomUUID();
    const first = await post(key, { name: '' });
    const again = await post(key, { name: '' });
    expect(first.response.status).toBe(400);
    expect(again.response.status).toBe(400);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body['invalid-params']).toEqual(first.body['invalid-params']);
    expect(again.body['invalid-params']).toEqual([expect.objectContaining({ name: 'name' })]);

    const refusalKey = randomUUID();
    await post(refusalKey, { name: 'refuse' });
    const refusedAgain = await post(refusalKey, { name: 'refuse' });
    expect(refusedAgain.response.status).toBe(402);
    expect(await thingsNamed('refuse')).toBe(1);
  });

  it('refuses the same key with another body (422), a missing key and an unreadable one (400), storing nothing', async () => {
    const key = randomUUID();
    await post(key, { name: 'first' });
    const other = await post(key, { name: 'second' });
    expect(other.response.status).toBe(422);
    expect(await thingsNamed('second')).toBe(0);

    const missing = await post(undefined, { name: 'nokey' });
    expect(missing.response.status).toBe(400);
    expect(missing.body.type).toBe('/problems/idempotency-key-missing');
    const unreadable = await post('"unterminated', { name: 'nokey' });
    expect(unreadable.response.status).toBe(400);
    expect(unreadable.body.detail).toContain('no closing quote');
    expect(await thingsNamed('nokey')).toBe(0);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the completer of abandoned keys', () => {
  it('finishes a key whose work another path finished, removes one that did nothing, and leaves unfinished work alone', async () => {
    const [done, started, unfinished] = [randomUUID(), randomUUID(), randomUUID()];
    // Keys as a request leaves them when it dies: IN_FLIGHT, no lease, its progress recorded.
    const hash = createHash('sha256').update('POST /things\n{"name":"late"}').digest('hex');
    const abandon = (key: string, point: string, progress: Record<string, string>) =>
      pool.query(
        `INSERT INTO idempotency_keys (idem_key, request_hash, state, recovery_point, progress, expires_at)
         VALUES (?, ?, 'IN_FLIGHT', ?, ?, NOW(3) + INTERVAL 1 DAY)`,
        [`:${key}`, hash, point, JSON.stringify(progress)],
      );
    await abandon(done, 'thing-created', { thingId: 'thing-done' });
    await abandon(started, 'started', {});
    await abandon(unfinished, 'thing-created', { thingId: 'thing-unfinished' });
    const sql = async (statement: string, params: unknown[]) => (await pool.query(statement, params))[0];
    const result = await completeAbandonedKeys({
      sql,
      field: 'thingId',
      answerFor: async (id) => (id === 'thing-done' ? { status: 201, body: { id } } : undefined),
      logger: silent,
      quietS: 0,
    });
    expect(result).toEqual({ finished: 1, removed: 1 });
    // A late retry of the finished key gets its answer; the unfinished one is still there to resume.
    const late = await post(done, { name: 'late' });
    expect(late.response.headers.get('idempotent-replayed')).toBe('true');
    expect(late.body).toEqual({ id: 'thing-done' });
    const [rows] = (await pool.query(
      'SELECT CAST(idem_key AS CHAR) AS k, state FROM idempotency_keys WHERE idem_key IN (?)',
      [[`:${started}`, `:${unfinished}`]],
    )) as unknown as [Array<{ k: string; state: string }>];
    expect(rows).toEqual([{ k: `:${unfinished}`, state: 'IN_FLIGHT' }]);
  });
});
