import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { PROVIDER_FLAGS } from './flags';
import { providerMetrics } from './metrics';
import { MIGRATIONS } from './migrations';

async function main() {
  const config = loadConfig();
  const instance = config.PROVIDER_INSTANCE;
  const logger = createLogger(`provider-${instance}`);
  const database = databaseName(config.LAB_NAMESPACE, `provider_${instance}`);
  await migrate({ url: config.MYSQL_URL, database, ...MIGRATIONS });
  const pool = createPool({ url: config.MYSQL_URL, database });
  const flags = await startFlags(`provider-${instance}`, flagSource(config), PROVIDER_FLAGS);
  await serve({
    app: createApp({
      pool,
      flags,
      logger,
      instance,
      metrics: providerMetrics(),
      internalToken: config.INTERNAL_TOKEN,
    }),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [() => pool.end(), () => stopFlags()],
  });
}

runMain(main);
