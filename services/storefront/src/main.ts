import path from 'node:path';
import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate, serverFlavour } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { ShopDb } from './db/shop-db';
import { STOREFRONT_FLAGS } from './flags';
import { storefrontMetrics } from './metrics';
import { consumeSettlements } from './orders/settlement.consumer';

async function main() {
  const config = loadConfig();
  const logger = createLogger('storefront');
  const database = databaseName(config.LAB_NAMESPACE, 'storefront');
  await migrate({ url: config.MYSQL_URL, database, dir: path.join(__dirname, '../migrations') });
  const shared = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.DB_POOL_SIZE });
  const reports = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.REPORTS_POOL_SIZE });
  const flags = await startFlags('storefront', flagSource(config), STOREFRONT_FLAGS);
  const db = new ShopDb(
    { shared, sharedSize: config.DB_POOL_SIZE, reports, reportsSize: config.REPORTS_POOL_SIZE },
    flags,
    await serverFlavour(shared),
    config.REPORT_TIMEOUT_MS,
  );
  const broker = await Broker.connect({ url: config.AMQP_URL, namespace: config.LAB_NAMESPACE, logger });
  const metrics = storefrontMetrics();
  await consumeSettlements({ broker, db, logger, metrics });

  const app = createApp({
    db,
    flags,
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
    onShutdown: [() => broker.close(), () => db.end(), () => stopFlags()],
  });
}

runMain(main);
