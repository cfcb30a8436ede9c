import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseName } from '@incident-lab/config';
import { createPool, type Pool, type RowDataPacket } from '@incident-lab/db';
import { setFlags } from '@incident-lab/flags';
import { type LabState, readLabState } from '@incident-lab/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCli, metricValue, startTestLab, type TestLab, waitFor } from './support/test-lab';

/**
 * Fixed means fixed, on the whole lab as `lab up` runs it: the supervisor brings killed services
 * back, SIGTERM drains, a checkout that failed after the card was charged is resumed by its retry,
 * a 202 is a promise the relay keeps, and a short `lab chaos` holds every claim with every fix on.
 */
let lab: TestLab;
let token: string;
let db: Pool;

const FIXED = {
  'idempotency-keys': 'on',
  'idempotent-consumer': 'on',
  outbox: 'on',
  'http-timeouts': 'on',
  'reconciler-repair': 'on',
};

beforeAll(async () => {
  lab = await startTestLab(4600);
  db = createPool({ url: lab.options.mysqlUrl, connectionLimit: 2 });
  const login = await fetch(`${lab.url('storefront')}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'user2@shop.test', password: 'lab-password' }),
  });
  token = ((await login.json()) as { token: string }).token;
});

afterAll(async () => {
  await db?.end();
  await lab?.stop();
});

const table = (owner: Parameters<typeof databaseName>[1], name: string) =>
  `\`${databaseName(lab.options.namespace, owner)}\`.${name}`;

async function service(name: string): Promise<LabState['services'][number]> {
  const state = await readLabState(lab.options.stateDir);
  const found = state?.services.find((each) => each.name === name);
  if (!found) throw new Error(`no supervised ${name} in the lab state`);
  return found;
}

/** Waits until the supervisor has the service ready in a process other than `pid`. */
async function backAfter(name: string, pid: number | undefined) {
  return waitFor(`${name} to be ready again`, async () => {
    const now = await service(name);
    return now.pid && now.pid !== pid && now.readySince ? now : undefined;
  });
}

async function flags(assignments: Record<string, string>) {
  await setFlags(lab.options.flagFile, assignments);
  const applied = async (url: string) =>
    ((await (await fetch(`${url}/health/flags`)).json()) as { flags: Record<string, string> }).flags;
  await waitFor('the flags to be applied', async () => {
    for (const name of ['storefront', 'payments', 'provider-primary', 'reconciler'] as const) {
      const now = await applied(lab.url(name));
      if (Object.entries(assignments).some(([key, variant]) => key in now && now[key] !== variant))
        return undefined;
    }
    return true;
  });
}

function checkout(key?: string) {
  return fetch(`${lab.url('storefront')}/api/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify({ items: [{ productId: 4, quantity: 1 }] }),
  });
}

async function ordersOfPurchase(key: string) {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, status FROM ${table('storefront', 'orders')} WHERE purchase_key = CONCAT(user_id, ':', ?)`,
    [key],
  );
  return rows as Array<{ id: string; status: string }>;
}

async function chargesOf(orderId: string) {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM ${table('provider_primary', 'charges')} WHERE order_id = ? AND status = 'CHARGED'
     UNION ALL SELECT id FROM ${table('provider_backup', 'charges')} WHERE order_id = ? AND status = 'CHARGED'`,
    [orderId, orderId],
  );
  return rows;
}

describe('the supervisor of lab up', () => {
  it('starts a SIGKILLed service again, and lab status --json shows the restart and how long it took', async () => {
    const before = await service('payments');
    process.kill(before.pid as number, 'SIGKILL');
    await backAfter('payments', before.pid);
    const { code, stdout } = await labCli(lab, ['status', '--json']);
    expect(code).toBe(0);
    const payments = (JSON.parse(stdout) as { services: Array<Record<string, unknown>> }).services.find(
      (each) => each.service === 'payments',
    );
    expect(payments).toMatchObject({
      ready: true,
      restarts: before.restarts + 1,
      lastExit: { signal: 'SIGKILL' },
    });
    expect(payments?.lastRecoveryMs).toBeLessThan(10_000);
  });

  it('drains on SIGTERM: the checkout in flight is answered, the service exits cleanly and comes back', async () => {
    await flags({ 'provider-latency-ms': 'slow' });
    try {
      const before = await service('storefront');
      const answer = checkout();
      await waitFor('the checkout to be in flight', async () => {
        const page = await (await fetch(`${lab.url('storefront')}/metrics`)).text();
        return metricValue(page, 'http_server_active_requests') > 0 ? true : undefined;
      });
      process.kill(before.pid as number, 'SIGTERM');
      expect((await answer).status).toBe(201);
      const after = await backAfter('storefront', before.pid);
      expect(after.lastExit).toMatchObject({ code: 0, signal: null });
    } finally {
      await flags({ 'provider-latency-ms': 'none' });
    }
  });
});

describe('crash-safe checkout, every partial-failure fix on', () => {
  beforeAll(() => flags(FIXED));

  it('a retry after a 5xx that came once the card was charged resumes the order: one order, one charge', async () => {
    const key = randomUUID();
    // The order's settlement fails once, as a deadlock or a lost connection would, after payments charged.
    await db.query(
      `CREATE TRIGGER ${table('storefront', 'fail_settle_once')} BEFORE UPDATE ON ${table('storefront', 'orders')}
       FOR EACH ROW IF NEW.status <> OLD.status AND NEW.purchase_key = CONCAT(NEW.user_id, ':', '${key}') THEN
         SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'injected: deadlock while settling';
       END IF`,
    );
    let first: Response;
    try {
      first = await checkout(key);
    } finally {
      await db.query(`DROP TRIGGER ${table('storefront', 'fail_settle_once')}`);
    }
    expect(first.status).toBe(503);
    const [order] = await ordersOfPurchase(key);
    expect(await chargesOf(order?.id as string)).toHaveLength(1);

    const retry = await checkout(key);
    expect(retry.status).toBe(201);
    expect(await ordersOfPurchase(key)).toEqual([{ id: order?.id, status: 'PAID' }]);
    expect(await chargesOf(order?.id as string)).toHaveLength(1);
  });

  it('keeps the promise of a 202: payments down at checkout, the relay pays the order once payments is back', async () => {
    const key = randomUUID();
    const before = await service('payments');
    process.kill(before.pid as number, 'SIGKILL');
    const answer = await checkout(key);
    expect(answer.status).toBe(202);
    const { orderId } = (await answer.json()) as { orderId: string };
    const paid = await waitFor(
      'the relay to have the order paid',
      async () => ((await ordersOfPurchase(key))[0]?.status === 'PAID' ? true : undefined),
      30_000,
    );
    expect(paid).toBe(true);
    expect(await chargesOf(orderId)).toHaveLength(1);
    const [[request]] = await db.query<RowDataPacket[]>(
      `SELECT state, attempts FROM ${table('storefront', 'payment_requests')} WHERE order_id = ?`,
      [orderId],
    );
    expect(request).toMatchObject({ state: 'ANSWERED' });
    expect(Number(request?.attempts)).toBeGreaterThanOrEqual(1);
  });
});

describe('lab chaos (short): 60 checkouts, one fault of each kind', () => {
  it('holds every claim with every fix on', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'chaos-'));
    const json = path.join(out, 'report.json');
    const { code, stdout } = await labCli(
      lab,
      ['chaos', '--phase', 'fixed', '--checkouts', '60', '--seed', '3', '--out', out, '--json', json],
      600_000,
    );
    const report = JSON.parse(await readFile(json, 'utf8')) as {
      phases: {
        fixed: { hypothesis: { passed: boolean; probes: unknown[] }; faults: Array<{ kind: string }> };
      };
    };
    const fixed = report.phases.fixed;
    expect(
      fixed.hypothesis.passed,
      JSON.stringify(fixed.hypothesis.probes, null, 1) + stdout.slice(-3000),
    ).toBe(true);
    expect(code).toBe(0);
    expect(new Set(fixed.faults.map((fault) => fault.kind))).toEqual(
      new Set([
        'kill',
        'kill-mysql-connections',
        'close-amqp-connections',
        'provider-outage',
        'rolling-restart',
      ]),
    );
  }, 600_000);
});
