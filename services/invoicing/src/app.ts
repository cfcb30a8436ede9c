import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import { createServiceApp } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import type { Express } from 'express';
import type { INVOICING_FLAGS } from './flags';
import { invoiceRoutes } from './invoices/invoices.routes';
import type { InvoicingMetrics } from './metrics';

export interface InvoicingDeps {
  pool: Pool;
  broker: Broker;
  logger: Logger;
  flags: FlagReader<typeof INVOICING_FLAGS>;
  metrics: InvoicingMetrics;
  /** What the lab CLI's backfill shows to write invoices. */
  internalToken: string;
}

export function createApp(deps: InvoicingDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    internal: { token: deps.internalToken, routes: invoiceRoutes(deps) },
    readiness: {
      mysql: () => deps.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}

export { INVOICING_FLAGS } from './flags';
export { invoicingMetrics } from './metrics';
