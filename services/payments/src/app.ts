import { createServiceApp } from '@incident-lab/service-kit';
import type { Express } from 'express';
import type { ChargeDeps } from './charges/charge.service';
import { chargeRoutes } from './charges/charges.routes';

export type PaymentsDeps = ChargeDeps;

export function createApp(deps: PaymentsDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    routes: chargeRoutes(deps),
    readiness: {
      mysql: () => deps.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}

export { ProviderClient } from './charges/provider-client';
export { PAYMENTS_FLAGS } from './flags';
export { paymentsMetrics } from './metrics';
