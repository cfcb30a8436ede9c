import { randomBytes } from 'node:crypto';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, serverFlavour } from '@incident-lab/db';
import { startFlagsInMemory } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import { Broker, deleteTopology } from '@incident-lab/messaging';
import { listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp } from './app';
import { Catalogue } from './catalogue/catalogue';
import { CatalogueCache } from './catalogue/redis-cache';
import { ShopDb } from './db/shop-db';
import { STOREFRONT_FLAGS } from './flags';
import { storefrontMetrics } from './metrics';
import { MIGRATIONS } from './migrations';
import { SEED_PASSWORD, seedCatalog, seedOrders } from './seed/seed-shop';

export interface StorefrontStackOptions {
  /** The shared pool's connections (default 10) and the reports pool's (default 1). */
  sharedSize?: number;
  reportsSize?: number;
  /** The report query's cap with `db-query-timeout` on. */
  reportTimeoutMs?: number;
  /** Seeded history orders (the sales report's data). */
  historyOrders?: number;
  /** Where payments listens; by default port 9 on loopback, where nothing does: payments is "down". */
  paymentsUrl?: string;
  paymentRequestDeadlineS?: number;
  /** The internal token payments (when there is one) expects; a random one by default. */
  internalToken?: string;
  /** Where the catalogue cache is; REDIS_URL (the local Redis) by default. */
  redisUrl?: string;
  /** How long a cached catalogue lives with `cache-write-checks` (default 30 s). */
  cacheTtlS?: number;
}

/**
 * Storefront on the real MySQL and RabbitMQ under a namespace of its own, seeded, for the
 * integration tests. Flags live in memory so a test can flip them.
 */
export async function startStorefrontStack(name: string, options: StorefrontStackOptions = {}) {
  const { mysqlUrl, amqpUrl, redisUrl } = serverUrls();
  const namespace = `${name}_${process.pid}`;
  const database = databaseName(namespace, 'storefront');
  const logger = createLogger(`${name}-test`);
  logger.level = 'silent';
  await migrate({ url: mysqlUrl, database, ...MIGRATIONS });
  const sharedSize = options.sharedSize ?? 10;
  const reportsSize = options.reportsSize ?? 1;
  const pool = createPool({ url: mysqlUrl, database, connectionLimit: sharedSize });
  const reports = createPool({ url: mysqlUrl, database, connectionLimit: reportsSize });
  await seedCatalog(pool);
  if (options.historyOrders) await seedOrders(pool, options.historyOrders, { seed: 7 });
  const flags = await startFlagsInMemory(`${name}-storefront`, STOREFRONT_FLAGS);
  const db = new ShopDb(
    { shared: pool, sharedSize, reports, reportsSize },
    flags.flags,
    await serverFlavour(pool),
    options.reportTimeoutMs,
  );
  const broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  const metrics = storefrontMetrics();
  // The namespace is the key prefix too: each test's cache is its own, like its schema.
  const cache = CatalogueCache.start(options.redisUrl ?? redisUrl, namespace, logger);
  const catalogue = new Catalogue({ db, cache, metrics, logger, ttlS: options.cacheTtlS ?? 30 });
  const paymentsUrl = options.paymentsUrl ?? 'http://127.0.0.1:9';
  const internalToken = options.internalToken ?? randomBytes(24).toString('hex');
  const deps = {
    db,
    catalogue,
    flags: flags.flags,
    broker,
    logger,
    metrics,
    paymentsUrl,
    sessionSecret: randomBytes(32).toString('hex'),
    internalToken,
    paymentRequestDeadlineS: options.paymentRequestDeadlineS ?? 600,
    abandonAfterS: 20,
  };
  const server = await listen(createApp(deps));
  return {
    namespace,
    deps,
    pool,
    db,
    cache,
    flags,
    url: server.url,
    /** The headers the reconciler sends to `/internal` routes. */
    internal: internalAuth(internalToken),
    /** A seeded account's session token (`staff@shop.test` for the report, `user1@shop.test`, …). */
    async login(email: string): Promise<string> {
      const response = await fetch(`${server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: SEED_PASSWORD }),
      });
      if (!response.ok) throw new Error(`login as ${email} answered ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    async stop() {
      await server.close();
      await broker.close();
      await db.end();
      await cache
        .forLesson('fill', false)
        .remove()
        .catch(() => {});
      await cache.stop();
      await dropDatabase(mysqlUrl, database);
      await deleteTopology(amqpUrl, namespace);
    },
  };
}

export type StorefrontStack = Awaited<ReturnType<typeof startStorefrontStack>>;
