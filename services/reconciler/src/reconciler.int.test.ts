import path from 'node:path';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, type Pool } from '@incident-lab/db';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { reconcile } from './jobs/reconcile.job';
import { Scheduler } from './jobs/scheduler';

const { mysqlUrl } = serverUrls();
const namespace = `rectest_${process.pid}`;
const storefront = databaseName(namespace, 'storefront');
const logger = createLogger('reconciler-test');
logger.level = 'silent';

let pool: Pool;
let server: Listening;
let failing = false;

beforeAll(async () => {
  const storefrontDir = path.join(
    path.dirname(require.resolve('@incident-lab/storefront/package.json')),
    'migrations',
  );
  await migrate({ url: mysqlUrl, database: storefront, dir: storefrontDir });
  pool = createPool({ url: mysqlUrl });
  await pool.query(
    `INSERT INTO \`${storefront}\`.orders (id, user_id, status, total_cents, created_at) VALUES
       ('00000000-0000-4000-8000-000000000001', 1, 'PENDING', 100, NOW(3) - INTERVAL 10 MINUTE),
       ('00000000-0000-4000-8000-000000000002', 1, 'PENDING', 100, NOW(3)),
       ('00000000-0000-4000-8000-000000000003', 1, 'PAID', 100, NOW(3) - INTERVAL 10 MINUTE)`,
  );
  const scheduler = new Scheduler(
    'reconcile',
    async () => {
      if (failing) throw new Error('storefront schema unreachable');
      return reconcile({ pool, namespace, graceS: 60, logger });
    },
    3_600_000,
    logger,
  );
  server = await listen(createApp({ pool, logger, scheduler }));
});

afterAll(async () => {
  await server.close();
  await pool.end();
  await dropDatabase(mysqlUrl, storefront);
});

const metrics = async () => (await fetch(`${server.url}/metrics`)).text();

describe('the reconcile job', () => {
  it('finds only orders still PENDING past the grace period, and exports when it last succeeded', async () => {
    expect(await metrics()).not.toContain('shop_job_last_success_timestamp_seconds{job="reconcile"}');
    const response = await fetch(`${server.url}/jobs/reconcile/run`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      outcome: 'ok',
      result: { overduePending: 1, orderIds: ['00000000-0000-4000-8000-000000000001'] },
    });
    const page = await metrics();
    const lastSuccess = Number(
      /shop_job_last_success_timestamp_seconds\{job="reconcile"\} ([\d.e+]+)/.exec(page)?.[1],
    );
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(30);
    expect(page).toContain('shop_job_runs_total{job="reconcile",outcome="ok"} 1');
  });

  it('counts a failed run, keeps the last success time, and shows the failure on /jobs', async () => {
    failing = true;
    const response = await fetch(`${server.url}/jobs/reconcile/run`, { method: 'POST' });
    failing = false;
    expect(response.status).toBe(500);
    expect(await metrics()).toContain('shop_job_runs_total{job="reconcile",outcome="failed"} 1');
    const jobs = (await (await fetch(`${server.url}/jobs`)).json()) as {
      jobs: Array<{ last: { error: string } }>;
    };
    expect(jobs.jobs[0]?.last.error).toContain('storefront schema unreachable');
  });
});
