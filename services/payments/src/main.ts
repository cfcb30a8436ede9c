import path from 'node:path';
import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { ProviderClient } from './charges/provider-client';
import { loadConfig } from './config';
import { PAYMENTS_FLAGS } from './flags';
import { paymentsMetrics } from './metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { startChargeWorker } from './worker/charge-worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger('payments');
  const database = databaseName(config.LAB_NAMESPACE, 'payments');
  await migrate({ url: config.MYSQL_URL, database, dir: path.join(__dirname, '../migrations') });
  const pool = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.DB_POOL_SIZE });
  const flags = await startFlags('payments', flagSource(config), PAYMENTS_FLAGS);
  const broker = await Broker.connect({
    url: config.AMQP_URL,
    namespace: config.LAB_NAMESPACE,
    logger,
    guardUnroutable: () => flags.bool('unroutable-guard'),
  });
  const deps = {
    pool,
    broker,
    logger,
    flags,
    metrics: paymentsMetrics(),
    provider: new ProviderClient(
      { primary: config.PROVIDER_PRIMARY_URL, backup: config.PROVIDER_BACKUP_URL },
      flags,
    ),
  };
  await startChargeWorker(deps, { retryForMs: config.WORKER_RETRY_FOR_MS });
  const relay = new OutboxRelay(pool, broker, logger);
  relay.start();
  await serve({
    app: createApp(deps),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [async () => relay.stop(), () => broker.close(), () => pool.end(), () => stopFlags()],
  });
}

runMain(main);
