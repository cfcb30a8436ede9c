import type { RetentionRule } from '@incident-lab/service-kit';
import type { StorefrontConfig } from './config';

/**
 * How long storefront keeps its bookkeeping rows (the idempotency keys expire by themselves, after
 * 24 h). A charge request that payments answered, or that expired, is only history once no retry can
 * resume its checkout: at least as long as the checkout's idempotency key lives.
 */
export const storefrontRetention = (config: StorefrontConfig): RetentionRule[] => [
  {
    table: 'payment_requests',
    expired: "state <> 'OPEN' AND updated_at < NOW(3) - INTERVAL ? SECOND",
    keepS: config.PAYMENT_REQUESTS_RETENTION_S,
  },
];
