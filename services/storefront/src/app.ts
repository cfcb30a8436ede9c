import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import { createServiceApp } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { type Express, Router } from 'express';
import { authRoutes } from './auth/auth.routes';
import type { Catalogue } from './catalogue/catalogue';
import { catalogueRoutes } from './catalogue/catalogue.routes';
import { priceAuditRoutes } from './catalogue/price-audit.job';
import type { ShopDb } from './db/shop-db';
import type { STOREFRONT_FLAGS } from './flags';
import type { StorefrontMetrics } from './metrics';
import { abandonedPaymentsRoutes } from './orders/abandoned-payments.job';
import { orderRoutes, settleRoutes } from './orders/orders.routes';
import { reportRoutes } from './reports/sales-report';

export interface StorefrontDeps {
  db: ShopDb;
  /** Products and prices, through the Redis cache. */
  catalogue: Catalogue;
  flags: FlagReader<typeof STOREFRONT_FLAGS>;
  broker: Broker;
  logger: Logger;
  metrics: StorefrontMetrics;
  paymentsUrl: string;
  /** Signs and checks login sessions. */
  sessionSecret: string;
  /** Shown to payments, and asked of the reconciler on `/internal` routes. */
  internalToken: string;
  paymentRequestDeadlineS: number;
  /** A checkout order with no payment this long after it was placed counts as abandoned. */
  abandonAfterS: number;
  /** How long a checkout's Idempotency-Key answers retries (default 24 h). */
  idempotencyKeyTtlS?: number;
}

export function createApp(deps: StorefrontDeps): Express {
  const payments = { url: deps.paymentsUrl, internalToken: deps.internalToken };
  const routes = Router();
  routes.use(authRoutes(deps.db, deps.sessionSecret));
  routes.use(catalogueRoutes(deps.catalogue, deps.sessionSecret));
  routes.use(orderRoutes({ ...deps, payments, secret: deps.sessionSecret }));
  routes.use(reportRoutes(deps.db, deps.sessionSecret));
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    publicRoutes: routes,
    internal: {
      token: deps.internalToken,
      routes: Router().use(
        settleRoutes(deps),
        abandonedPaymentsRoutes({ ...deps, payments }),
        priceAuditRoutes(deps),
      ),
      path: '/internal',
    },
    readiness: {
      mysql: () => deps.db.shared.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}

export { Catalogue } from './catalogue/catalogue';
export { CatalogueCache } from './catalogue/redis-cache';
export { ShopDb } from './db/shop-db';
export { STOREFRONT_FLAGS } from './flags';
export { storefrontMetrics } from './metrics';
