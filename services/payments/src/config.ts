import { commonEnv, DEFAULT_PORTS, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.payments),
  PROVIDER_PRIMARY_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-primary']}`),
  PROVIDER_BACKUP_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-backup']}`),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** How long the worker keeps retrying a queued charge while the provider is still down. */
  WORKER_RETRY_FOR_MS: z.coerce.number().int().min(0).default(30_000),
});

export type PaymentsConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return parseEnv(configSchema, env);
}
