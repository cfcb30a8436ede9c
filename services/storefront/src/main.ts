import path from 'node:path';
import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { storefrontMetrics } from './metrics';
import { consumeSettlements } from './orders/settlement.consumer';

async function main() {
  const config = loadConfig();
  const logger = createLogger('storefront');
  const database = databaseName(config.LAB_NAMESPACE, 'storefront');
  await migrate({ url: config.MYSQL_URL, database, dir: path.join(__dirname, '../migrations') });
  const pool = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.DB_POOL_SIZE });
  const broker = await Broker.connect({ url: config.AMQP_URL, namespace: config.LAB_NAMESPACE, logger });
  // No flags of its own yet; the labs add them here.
  await startFlags('storefront', flagSource(config), {});
  const metrics = storefrontMetrics();
  await consumeSettlements({ broker, pool, logger, metrics });

  const app = createApp({
    pool,
    broker,
    logger,
    metrics,
    paymentsUrl: config.PAYMENTS_URL,
    sessionSecret: config.SESSION_SECRET,
  });
  await serve({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [() => broker.close(), () => pool.end(), () => stopFlags()],
  });
}

runMain(main);
