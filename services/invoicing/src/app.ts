import type { Pool } from '@incident-lab/db';
import type { Broker } from '@incident-lab/messaging';
import { createServiceApp } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import type { Express } from 'express';
import { invoiceRoutes } from './invoices/invoices.routes';

export interface InvoicingDeps {
  pool: Pool;
  broker: Broker;
  logger: Logger;
}

export function createApp(deps: InvoicingDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    routes: invoiceRoutes(deps.pool),
    readiness: {
      mysql: () => deps.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}
