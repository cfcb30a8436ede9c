import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { createServiceApp, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { type Express, Router } from 'express';
import { z } from 'zod';
import type { RECONCILER_FLAGS } from './flags';
import type { Scheduler } from './jobs/scheduler';

export interface ReconcilerDeps {
  pool: Pool;
  logger: Logger;
  scheduler: Scheduler;
  flags: FlagReader<typeof RECONCILER_FLAGS>;
  /** What the lab CLI shows to run the job or read its last run. */
  internalToken: string;
}

/**
 * `GET /jobs` shows the last run; `POST /jobs/reconcile/run` runs the job now and answers its result
 * (`?graceS=0` treats every PENDING order as overdue, as a run after the shop has gone quiet may).
 */
export function createApp(deps: ReconcilerDeps): Express {
  const routes = Router();
  routes.get('/jobs', (_request, response) => {
    response.json({ jobs: [{ job: deps.scheduler.job, last: deps.scheduler.last ?? null }] });
  });
  routes.post('/jobs/reconcile/run', async (request, response) => {
    const { graceS } = validate(
      z.object({ graceS: z.coerce.number().min(0).optional() }),
      request.query,
      'query',
    );
    const run = await deps.scheduler.runNow({ graceS });
    response.status(run.outcome === 'ok' ? 200 : 500).json(run);
  });
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    internal: { token: deps.internalToken, routes },
    readiness: { mysql: () => deps.pool.query('SELECT 1') },
  });
}

export { RECONCILER_FLAGS } from './flags';
export { type ReconcileDeps, reconcile } from './jobs/reconcile.job';
export { Scheduler } from './jobs/scheduler';
