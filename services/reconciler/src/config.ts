import { commonEnv, DEFAULT_PORTS, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.reconciler),
  STOREFRONT_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.storefront}`),
  PAYMENTS_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.payments}`),
  PROVIDER_PRIMARY_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-primary']}`),
  PROVIDER_BACKUP_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-backup']}`),
  /** How often the reconcile job runs. */
  RECONCILE_INTERVAL_S: z.coerce.number().min(1).default(30),
  /** An order still PENDING after this long is overdue: its charge should have finished by now. */
  PENDING_GRACE_S: z.coerce.number().min(0).default(60),
});

export type ReconcilerConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ReconcilerConfig {
  return parseEnv(configSchema, env);
}
