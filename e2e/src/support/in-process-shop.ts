import { randomBytes } from 'node:crypto';
import { databaseName, SCHEMA_OWNERS, type SchemaOwner, serverUrls } from '@incident-lab/config';
import {
  createPool,
  dropDatabase,
  type MigrateOptions,
  migrate,
  type Pool,
  serverFlavour,
} from '@incident-lab/db';
import { type FlagDefaults, startFlagsInMemory } from '@incident-lab/flags';
import { createApp as createInvoicing, INVOICING_FLAGS, invoicingMetrics } from '@incident-lab/invoicing/app';
import { MIGRATIONS as INVOICING_MIGRATIONS } from '@incident-lab/invoicing/migrations';
import { Broker, deleteTopology } from '@incident-lab/messaging';
import {
  createApp as createPayments,
  PAYMENTS_FLAGS,
  ProviderClient,
  paymentsMetrics,
} from '@incident-lab/payments/app';
import { MIGRATIONS as PAYMENTS_MIGRATIONS } from '@incident-lab/payments/migrations';
import { createApp as createProvider, PROVIDER_FLAGS, providerMetrics } from '@incident-lab/provider/app';
import { MIGRATIONS as PROVIDER_MIGRATIONS } from '@incident-lab/provider/migrations';
import {
  createApp as createReconciler,
  RECONCILER_FLAGS,
  reconcile,
  Scheduler,
} from '@incident-lab/reconciler/app';
import { MIGRATIONS as RECONCILER_MIGRATIONS } from '@incident-lab/reconciler/migrations';
import { type Listening, listen } from '@incident-lab/service-kit';
import {
  Catalogue,
  CatalogueCache,
  createApp as createStorefront,
  ShopDb,
  STOREFRONT_FLAGS,
  storefrontMetrics,
} from '@incident-lab/storefront/app';
import { MIGRATIONS as STOREFRONT_MIGRATIONS } from '@incident-lab/storefront/migrations';
import { seedCatalog } from '@incident-lab/storefront/seed';
import { createLogger } from '@incident-lab/telemetry';
import type { Express } from 'express';

export interface ShopService {
  name: 'storefront' | 'payments' | 'provider-primary' | 'provider-backup' | 'invoicing' | 'reconciler';
  /** The Express app (to read its routes) and where it listens. */
  app: Express;
  url: string;
  /** The schema it owns and writes. */
  schema: string;
}

/**
 * The whole shop as Express apps in this process, on the real MySQL and RabbitMQ under a namespace
 * of its own: only the HTTP side (no consumers, relays or scheduled runs), so every row that appears
 * was written by a request. Flags live in memory, one set for all six services.
 */
export async function startInProcessShop(name: string) {
  const { mysqlUrl, amqpUrl, redisUrl } = serverUrls();
  const namespace = `${name}_${process.pid}`;
  const logger = createLogger(`${name}-test`);
  logger.level = 'silent';
  const internalToken = randomBytes(24).toString('hex');
  const pools: Pool[] = [];
  const servers: Listening[] = [];
  const schema = async (owner: SchemaOwner, migrations: Omit<MigrateOptions, 'url' | 'database'>) => {
    const database = databaseName(namespace, owner);
    await migrate({ url: mysqlUrl, database, ...migrations });
    const pool = createPool({ url: mysqlUrl, database });
    pools.push(pool);
    return pool;
  };
  const flagSet = <D extends FlagDefaults>(service: string, defaults: D) =>
    startFlagsInMemory(`${name}-${service}`, defaults);
  const flagSets = {
    storefront: await flagSet('storefront', STOREFRONT_FLAGS),
    payments: await flagSet('payments', PAYMENTS_FLAGS),
    provider: await flagSet('provider', PROVIDER_FLAGS),
    invoicing: await flagSet('invoicing', INVOICING_FLAGS),
    reconciler: await flagSet('reconciler', RECONCILER_FLAGS),
  };
  const broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  const services: ShopService[] = [];
  const add = async (service: Omit<ShopService, 'url'>) => {
    const server = await listen(service.app);
    servers.push(server);
    services.push({ ...service, url: server.url });
    return server.url;
  };

  const providerUrls = {} as Record<'primary' | 'backup', string>;
  for (const instance of ['primary', 'backup'] as const) {
    const owner = `provider_${instance}` as const;
    const pool = await schema(owner, PROVIDER_MIGRATIONS);
    const app = createProvider({
      pool,
      flags: flagSets.provider.flags,
      logger,
      instance,
      metrics: providerMetrics(),
      internalToken,
    });
    providerUrls[instance] = await add({
      name: `provider-${instance}`,
      app,
      schema: databaseName(namespace, owner),
    });
  }
  const paymentsPool = await schema('payments', PAYMENTS_MIGRATIONS);
  const paymentsUrl = await add({
    name: 'payments',
    schema: databaseName(namespace, 'payments'),
    app: createPayments({
      pool: paymentsPool,
      broker,
      logger,
      flags: flagSets.payments.flags,
      metrics: paymentsMetrics(),
      provider: new ProviderClient(providerUrls, internalToken, paymentsPool),
      internalToken,
      chargeDeadlineS: 600,
    }),
  });
  const storefrontPool = await schema('storefront', STOREFRONT_MIGRATIONS);
  await seedCatalog(storefrontPool);
  const reportsPool = createPool({
    url: mysqlUrl,
    database: databaseName(namespace, 'storefront'),
    connectionLimit: 2,
  });
  pools.push(reportsPool);
  const storefrontDb = new ShopDb(
    { shared: storefrontPool, sharedSize: 10, reports: reportsPool, reportsSize: 2 },
    flagSets.storefront.flags,
    await serverFlavour(storefrontPool),
  );
  const storefrontMetricsOf = storefrontMetrics();
  // The catalogue cache under the shop's namespace, like its schemas and queues.
  const cache = CatalogueCache.start(redisUrl, namespace, logger);
  const storefrontUrl = await add({
    name: 'storefront',
    schema: databaseName(namespace, 'storefront'),
    app: createStorefront({
      db: storefrontDb,
      catalogue: new Catalogue({ db: storefrontDb, cache, metrics: storefrontMetricsOf, logger, ttlS: 30 }),
      flags: flagSets.storefront.flags,
      broker,
      logger,
      metrics: storefrontMetricsOf,
      paymentsUrl,
      sessionSecret: randomBytes(32).toString('hex'),
      internalToken,
      paymentRequestDeadlineS: 600,
      abandonAfterS: 20,
    }),
  });
  await add({
    name: 'invoicing',
    schema: databaseName(namespace, 'invoicing'),
    app: createInvoicing({
      pool: await schema('invoicing', INVOICING_MIGRATIONS),
      broker,
      logger,
      flags: flagSets.invoicing.flags,
      metrics: invoicingMetrics(),
      internalToken,
    }),
  });
  const reconcilerPool = await schema('reconciler', RECONCILER_MIGRATIONS);
  const reconcileDeps = {
    pool: reconcilerPool,
    namespace,
    flags: flagSets.reconciler.flags,
    logger,
    urls: { internalToken, storefront: storefrontUrl, payments: paymentsUrl, providers: providerUrls },
  };
  // Never on a timer here: a run happens only when a request asks for one.
  const scheduler = new Scheduler(
    'reconcile',
    ({ graceS }) => reconcile(reconcileDeps, graceS ?? 60),
    0,
    logger,
  );
  await add({
    name: 'reconciler',
    schema: databaseName(namespace, 'reconciler'),
    app: createReconciler({
      pool: reconcilerPool,
      logger,
      scheduler,
      flags: flagSets.reconciler.flags,
      internalToken,
    }),
  });

  return {
    namespace,
    internalToken,
    services,
    /** Sets the same flag assignments in every service (the rest back to the flag file's defaults). */
    setFlags(assignments: Record<string, string>) {
      for (const set of Object.values(flagSets)) set.set(assignments);
    },
    async stop() {
      for (const server of servers) await server.close();
      await cache
        .forLesson('fill', false)
        .remove()
        .catch(() => undefined);
      await cache.stop();
      await broker.close();
      for (const pool of pools) await pool.end();
      for (const owner of SCHEMA_OWNERS) await dropDatabase(mysqlUrl, databaseName(namespace, owner));
      await deleteTopology(amqpUrl, namespace);
    },
  };
}

export type InProcessShop = Awaited<ReturnType<typeof startInProcessShop>>;
