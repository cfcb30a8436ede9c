import { randomBytes } from 'node:crypto';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, type MigrateOptions, migrate, type Pool } from '@incident-lab/db';
import { startFlagsInMemory } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import { Broker, deleteTopology, purgeQueues, queueDepths } from '@incident-lab/messaging';
import { createApp as createProvider, PROVIDER_FLAGS, providerMetrics } from '@incident-lab/provider/app';
import { MIGRATIONS as PROVIDER_MIGRATIONS } from '@incident-lab/provider/migrations';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { createApp, type PaymentsDeps } from './app';
import { ProviderClient } from './charges/provider-client';
import { PAYMENTS_FLAGS } from './flags';
import { paymentsMetrics } from './metrics';
import { MIGRATIONS } from './migrations';

/**
 * Payments with both provider instances, on the real MySQL and RabbitMQ under a namespace of its
 * own, for the integration tests. Flags live in memory so a test can flip them.
 */
export async function startPaymentsStack(name: string) {
  const { mysqlUrl, amqpUrl } = serverUrls();
  const namespace = `${name}_${process.pid}`;
  const internalToken = randomBytes(24).toString('hex');
  const internal = internalAuth(internalToken);
  const logger = createLogger(`${name}-test`);
  logger.level = 'silent';
  const pools: Pool[] = [];
  const schema = async (
    owner: 'payments' | 'provider_primary' | 'provider_backup',
    migrations: Omit<MigrateOptions, 'url' | 'database'>,
  ) => {
    const database = databaseName(namespace, owner);
    await migrate({ url: mysqlUrl, database, ...migrations });
    const pool = createPool({ url: mysqlUrl, database });
    pools.push(pool);
    return pool;
  };
  const providerFlags = await startFlagsInMemory(`${name}-provider`, PROVIDER_FLAGS);
  const providerApp = async (instance: 'primary' | 'backup') =>
    createProvider({
      pool: await schema(`provider_${instance}`, PROVIDER_MIGRATIONS),
      flags: providerFlags.flags,
      logger,
      instance,
      metrics: providerMetrics(),
      internalToken,
    });
  const primaryApp = await providerApp('primary');
  let primary = await listen(primaryApp);
  const backup = await listen(await providerApp('backup'));
  const paymentsFlags = await startFlagsInMemory(`${name}-payments`, PAYMENTS_FLAGS);
  const broker = await Broker.connect({ url: amqpUrl, namespace, logger });
  const pool = await schema('payments', MIGRATIONS);
  const deps: PaymentsDeps = {
    pool,
    broker,
    logger,
    flags: paymentsFlags.flags,
    metrics: paymentsMetrics(),
    provider: new ProviderClient({ primary: primary.url, backup: backup.url }, internalToken, pool),
    internalToken,
    chargeDeadlineS: 600,
  };
  const payments = await listen(createApp(deps));
  const servers: Listening[] = [backup, payments];

  return {
    namespace,
    amqpUrl,
    /** The headers every call to payments or a provider needs: the lab's internal credential. */
    internal,
    deps,
    providerFlags,
    paymentsFlags,
    urls: { payments: payments.url, primary: primary.url, backup: backup.url },
    /** Messages waiting in one of the namespace's queues (`invoicing.payment-completed`, …). */
    depth: async (queue: string) => (await queueDepths(amqpUrl, namespace))[`${namespace}.${queue}`] ?? 0,
    purge: () => purgeQueues(amqpUrl, namespace),
    /** The charges both providers recorded for an order: the customer's card statement. */
    async ledger(orderId: string) {
      const charges: Array<{ id: string; reference: string; status: string }> = [];
      for (const url of [primary.url, backup.url]) {
        const response = await fetch(`${url}/charges?orderId=${orderId}`, { headers: internal });
        charges.push(...((await response.json()) as { charges: typeof charges }).charges);
      }
      return charges;
    },
    /**
     * Takes the primary down as a killed process would look from outside: new connections are
     * refused at once, while requests already inside run to their end. Returns how to bring it back
     * on the same address.
     */
    /** Resolves when the primary next receives a request. */
    primaryReceives(): Promise<void> {
      return new Promise((resolve) => primary.server.once('request', () => resolve()));
    },
    primaryDown() {
      primary.server.close();
      return async () => {
        primary = await listen(primaryApp, Number(new URL(primary.url).port));
      };
    },
    async stop() {
      await primary.close();
      for (const server of servers) await server.close();
      await broker.close();
      for (const pool of pools) await pool.end();
      for (const owner of ['payments', 'provider_primary', 'provider_backup'] as const)
        await dropDatabase(mysqlUrl, databaseName(namespace, owner));
      await deleteTopology(amqpUrl, namespace);
    },
  };
}

export type PaymentsStack = Awaited<ReturnType<typeof startPaymentsStack>>;
