import type { Pool } from '@incident-lab/db';
import { createServiceApp } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { type Express, Router } from 'express';
import type { Scheduler } from './jobs/scheduler';

export interface ReconcilerDeps {
  pool: Pool;
  logger: Logger;
  scheduler: Scheduler;
}

/** `GET /jobs` shows the last run; `POST /jobs/reconcile/run` runs the job now and answers its result. */
export function createApp(deps: ReconcilerDeps): Express {
  const routes = Router();
  routes.get('/jobs', (_request, response) => {
    response.json({ jobs: [{ job: deps.scheduler.job, last: deps.scheduler.last ?? null }] });
  });
  routes.post('/jobs/reconcile/run', async (_request, response) => {
    const run = await deps.scheduler.runNow();
    response.status(run.outcome === 'ok' ? 200 : 500).json(run);
  });
  return createServiceApp({
    logger: deps.logger,
    routes,
    readiness: { mysql: () => deps.pool.query('SELECT 1') },
  });
}
