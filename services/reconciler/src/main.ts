import { flagSource } from '@incident-lab/config';
import { createPool } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { reconcile } from './jobs/reconcile.job';
import { Scheduler } from './jobs/scheduler';

async function main() {
  const config = loadConfig();
  const logger = createLogger('reconciler');
  // No schema of its own: the reconciler reads the other services' schemas to compare them.
  const pool = createPool({ url: config.MYSQL_URL, connectionLimit: 2 });
  // No flags of its own yet; the labs add them here.
  await startFlags('reconciler', flagSource(config), {});
  const scheduler = new Scheduler(
    'reconcile',
    () => reconcile({ pool, namespace: config.LAB_NAMESPACE, graceS: config.PENDING_GRACE_S, logger }),
    config.RECONCILE_INTERVAL_S * 1000,
    logger,
  );
  scheduler.start();
  await serve({
    app: createApp({ pool, logger, scheduler }),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [async () => scheduler.stop(), () => pool.end(), () => stopFlags()],
  });
}

runMain(main);
