import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { RECONCILER_FLAGS } from './flags';
import { reconcile } from './jobs/reconcile.job';
import { Scheduler } from './jobs/scheduler';
import { MIGRATIONS } from './migrations';

async function main() {
  const config = loadConfig();
  const logger = createLogger('reconciler');
  // Its own schema records what it did; it reads the shop's schemas to compare them with the ledgers.
  await migrate({
    url: config.MYSQL_URL,
    database: databaseName(config.LAB_NAMESPACE, 'reconciler'),
    ...MIGRATIONS,
  });
  // Its own schema is the default one (it names the others in full), so the lab's connections are known by schema.
  const pool = createPool({
    url: config.MYSQL_URL,
    database: databaseName(config.LAB_NAMESPACE, 'reconciler'),
    connectionLimit: 3,
  });
  const flags = await startFlags('reconciler', flagSource(config), RECONCILER_FLAGS);
  const deps = {
    pool,
    flags,
    logger,
    namespace: config.LAB_NAMESPACE,
    urls: {
      internalToken: config.INTERNAL_TOKEN,
      storefront: config.STOREFRONT_URL,
      payments: config.PAYMENTS_URL,
      providers: { primary: config.PROVIDER_PRIMARY_URL, backup: config.PROVIDER_BACKUP_URL },
    },
  };
  const scheduler = new Scheduler(
    'reconcile',
    ({ graceS }) => reconcile(deps, graceS ?? config.PENDING_GRACE_S),
    config.RECONCILE_INTERVAL_S * 1000,
    logger,
  );
  scheduler.start();
  await serve({
    app: createApp({ pool, logger, scheduler, flags, internalToken: config.INTERNAL_TOKEN }),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [() => scheduler.stop(), () => pool.end(), () => stopFlags()],
  });
}

runMain(main);
