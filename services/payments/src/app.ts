import { createServiceApp } from '@incident-lab/service-kit';
import type { Express } from 'express';
import type { PaymentsServices } from './charges/charge.service';
import { chargeRoutes } from './charges/charges.routes';

/** What payments needs; `internalToken` is what storefront, the reconciler and the lab CLI show it. */
export type PaymentsDeps = PaymentsServices & {
  internalToken: string;
  /** How long a charge's Idempotency-Key answers retries (default 24 h). */
  idempotencyKeyTtlS?: number;
};

export function createApp(deps: PaymentsDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    internal: { token: deps.internalToken, routes: chargeRoutes(deps) },
    readiness: {
      mysql: () => deps.pool.query('SELECT 1'),
      rabbitmq: () => deps.broker.check(),
    },
  });
}

export { ProviderClient } from './charges/provider-client';
export { PAYMENTS_FLAGS } from './flags';
export { paymentsMetrics } from './metrics';
