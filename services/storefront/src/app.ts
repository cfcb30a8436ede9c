import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import { createServiceApp } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { type Express, Router } from 'express';
import { authRoutes } from './auth/auth.routes';
import type { ShopDb } from './db/shop-db';
import type { StorefrontMetrics } from './metrics';
import { orderRoutes } from './orders/orders.routes';
import { productRoutes } from './products/products.routes';
import { reportRoutes } from './reports/sales-report';

export interface StorefrontDeps {
  db: ShopDb;
  flags: FlagReader;
  broker: Broker;
  logger: Logger;
  metrics: StorefrontMetrics;
  paymentsUrl: string;
  sessionSecret: string;
  paymentRequestDeadlineS: number;
}

export function createApp(deps: StorefrontDeps): Express {
  const routes = Router();
  routes.use(authRoutes(deps.db, deps.sessionSecret));
  routes.use(productRoutes(deps.db));
  routes.use(orderRoutes({ ...deps, secret: deps.sessionSecret }));
  routes.use(reportRoutes(deps.db));
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    routes,
    readiness: {
      mysql: () => deps.db.shared.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}

export { ShopDb } from './db/shop-db';
export { STOREFRONT_FLAGS } from './flags';
export { storefrontMetrics } from './metrics';
