import { databaseName, flagSource } from '@incident-lab/config';
import { createPool, migrate, serverFlavour } from '@incident-lab/db';
import { startFlags, stopFlags } from '@incident-lab/flags';
import { Broker } from '@incident-lab/messaging';
import { runMain, serve, startKeyCompleter, startRetention } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { Catalogue } from './catalogue/catalogue';
import { startPriceAudit } from './catalogue/price-audit.job';
import { CatalogueCache } from './catalogue/redis-cache';
import { loadConfig } from './config';
import { isTransientFailure, ShopDb } from './db/shop-db';
import { STOREFRONT_FLAGS } from './flags';
import { storefrontMetrics } from './metrics';
import { MIGRATIONS } from './migrations';
import { startAbandonedPayments } from './orders/abandoned-payments.job';
import { resultOf } from './orders/checkout.service';
import { checkoutAnswer } from './orders/checkout-answer';
import { findOrder } from './orders/orders.repo';
import { PaymentRequestRelay } from './orders/payment-request-relay';
import { consumeSettlements } from './orders/settlement.consumer';
import { storefrontRetention } from './retention';
import { seedCatalog } from './seed/seed-shop';

async function main() {
  const config = loadConfig();
  const logger = createLogger('storefront');
  const database = databaseName(config.LAB_NAMESPACE, 'storefront');
  await migrate({ url: config.MYSQL_URL, database, ...MIGRATIONS });
  const shared = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.DB_POOL_SIZE });
  if (config.SEED_CATALOG) logger.info(await seedCatalog(shared), 'catalog seeded (SEED_CATALOG)');
  const reports = createPool({ url: config.MYSQL_URL, database, connectionLimit: config.REPORTS_POOL_SIZE });
  const flags = await startFlags('storefront', flagSource(config), STOREFRONT_FLAGS);
  const db = new ShopDb(
    { shared, sharedSize: config.DB_POOL_SIZE, reports, reportsSize: config.REPORTS_POOL_SIZE },
    flags,
    await serverFlavour(shared),
    config.REPORT_TIMEOUT_MS,
  );
  const broker = await Broker.connect({
    url: config.AMQP_URL,
    namespace: config.LAB_NAMESPACE,
    logger,
    name: 'storefront',
    isTransient: isTransientFailure,
  });
  const metrics = storefrontMetrics();
  await consumeSettlements({ broker, db, flags, logger, metrics });
  const cache = CatalogueCache.start(config.REDIS_URL, config.LAB_NAMESPACE, logger);
  const catalogue = new Catalogue({ db, cache, metrics, logger, ttlS: config.CATALOGUE_CACHE_TTL_S });

  const app = createApp({
    db,
    catalogue,
    flags,
    broker,
    logger,
    metrics,
    paymentsUrl: config.PAYMENTS_URL,
    sessionSecret: config.SESSION_SECRET,
    internalToken: config.INTERNAL_TOKEN,
    paymentRequestDeadlineS: config.PAYMENT_REQUEST_DEADLINE_S,
    abandonAfterS: config.PAYMENT_ABANDON_AFTER_S,
    idempotencyKeyTtlS: config.IDEMPOTENCY_KEY_TTL_S,
  });
  const payments = { url: config.PAYMENTS_URL, internalToken: config.INTERNAL_TOKEN };
  const relay = new PaymentRequestRelay({
    db,
    flags,
    payments,
    logger,
    metrics,
  });
  relay.start();
  const abandoned = startAbandonedPayments({
    db,
    flags,
    payments,
    logger,
    metrics,
    abandonAfterS: config.PAYMENT_ABANDON_AFTER_S,
  });
  const priceAudit = startPriceAudit({ db, logger, metrics });
  // Keys of checkouts that died after making their order, finished once the order is settled.
  const completer = startKeyCompleter({
    sql: (statement, params) => db.query(statement, params),
    field: 'orderId',
    answerFor: async (id) => {
      const order = await findOrder(db, id);
      return order && order.status !== 'PENDING' ? checkoutAnswer(resultOf(order)) : undefined;
    },
    logger,
  });
  const retention = startRetention(
    (statement, params) => db.query(statement, params),
    storefrontRetention(config),
    {
      logger,
    },
  );
  await serve({
    app,
    host: config.HOST,
    port: config.PORT,
    logger,
    onShutdown: [
      () => relay.stop(),
      () => completer.stop(),
      () => retention.stop(),
      () => abandoned.stop(),
      () => priceAudit.stop(),
      () => cache.stop(),
      () => broker.drain(),
      () => db.end(),
      () => stopFlags(),
    ],
  });
}

runMain(main);
