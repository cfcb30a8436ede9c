import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, isTransientDbError, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { loadConfig } from './config';
import { INVOICING_FLAGS } from './flags';
import { consumePaymentCompleted } from './invoices/payment-completed.consumer';
import { invoicingMetrics } from './metrics';
import { MIGRATIONS } from './migrations';

async function main() {
  const config = loadConfig();
  const logger = createLogger('invoicing');
  const database = databaseName(config.LAB_NAMESPACE, 'invoicing');
  await migrate({ url: config.MYSQL_URL, database, ...MIGRATIONS });
  const pool = createPool({ url: config.MYSQL_URL, database });
  const broker = await Broker.connect({
    url: config.AMQP_URL,
    namespace: config.LAB_NAMESPACE,
    logger,
    name: 'invoicing',
    isTransient: isTransientDbError,
  });
  const flags = await startFlags('invoicing', flagSource(config), INVOICING_FLAGS);
  const metrics = invoicingMetrics();
  await consumePaymentCompleted({ broker, pool, logger, flags, metrics });
  // One service watches every lab queue's depth for the dashboards and alerts.
  const stopWatching = broker.watchQueueDepths();
  await serve({
    app: createApp({ pool, broker, logger, flags, metrics, internalToken: config.INTERNAL_TOKEN }),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [async () => stopWatching(), () => broker.drain(), () => pool.end(), () => stopFlags()],
  });
}

runMain(main);
