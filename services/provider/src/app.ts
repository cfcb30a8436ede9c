import { createServiceApp } from '@incident-lab/service-kit';
import type { Express } from 'express';
import { type ChargeRoutesDeps, chargeRoutes } from './charges/charges.routes';

/** `internalToken`: what payments, the reconciler and the lab CLI show the provider. */
export type ProviderDeps = ChargeRoutesDeps & { internalToken: string };

export function createApp(deps: ProviderDeps): Express {
  return createServiceApp({
    logger: deps.logger,
    flags: deps.flags,
    internal: { token: deps.internalToken, routes: chargeRoutes(deps) },
    readiness: { mysql: () => deps.pool.query('SELECT 1') },
  });
}
export { PROVIDER_FLAGS } from './flags';
export { providerMetrics } from './metrics';
