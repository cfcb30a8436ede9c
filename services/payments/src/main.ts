import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, isTransientDbError, migrate } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve, startKeyCompleter, startRetention } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { paymentAnswer } from './charges/payment-answer';
import { findPayment } from './charges/payments.repo';
import { ProviderClient } from './charges/provider-client';
import { loadConfig } from './config';
import { PAYMENTS_FLAGS } from './flags';
import { paymentsMetrics } from './metrics';
import { MIGRATIONS } from './migrations';
import { OutboxRelay } from './outbox/outbox-relay';
import { paymentsRetention } from './retention';
import { startChargeWorker } from './worker/charge-worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger('payments');
  const database = databaseName(config.LAB_NAMESPACE, 'payments');
  await migrate({ url: config.MYSQL_URL, database, ...MIGRATIONS });
  const pool = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.DB_POOL_SIZE });
  const flags = await startFlags('payments', flagSource(config), PAYMENTS_FLAGS);
  const broker = await Broker.connect({
    url: config.AMQP_URL,
    namespace: config.LAB_NAMESPACE,
    logger,
    name: 'payments',
    isTransient: isTransientDbError,
  });
  const deps = {
    pool,
    broker,
    logger,
    flags,
    metrics: paymentsMetrics(),
    provider: new ProviderClient(
      { primary: config.PROVIDER_PRIMARY_URL, backup: config.PROVIDER_BACKUP_URL },
      config.INTERNAL_TOKEN,
      pool,
    ),
    internalToken: config.INTERNAL_TOKEN,
    chargeDeadlineS: config.CHARGE_DEADLINE_S,
    idempotencyKeyTtlS: config.IDEMPOTENCY_KEY_TTL_S,
  };
  await startChargeWorker(deps);
  const relay = new OutboxRelay(pool, broker, flags, logger);
  relay.start();
  // Keys of requests that died after making their payment, finished once the payment is settled.
  const completer = startKeyCompleter({
    sql: async (statement, params) => (await pool.query(statement, params))[0],
    field: 'paymentId',
    answerFor: async (id) => {
      const payment = await findPayment(pool, id);
      return payment?.status === 'COMPLETED' || payment?.status === 'FAILED'
        ? paymentAnswer(payment)
        : undefined;
    },
    logger,
  });
  const retention = startRetention(
    async (statement, params) => (await pool.query(statement, params))[0],
    paymentsRetention(config),
    { logger },
  );
  await serve({
    app: createApp(deps),
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [
      () => relay.stop(),
      () => completer.stop(),
      () => retention.stop(),
      () => broker.drain(),
      () => pool.end(),
      () => stopFlags(),
    ],
  });
}

runMain(main);
