import { commonEnv, DEFAULT_PORTS, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.payments),
  PROVIDER_PRIMARY_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-primary']}`),
  PROVIDER_BACKUP_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS['provider-backup']}`),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * A charge payments accepted (202) is retried by the worker, or charged again under its reference by
   * the reconciler's resolve, until this long after the payment was made; then it is failed.
   */
  CHARGE_DEADLINE_S: z.coerce.number().int().min(1).default(600),
  /** How long an Idempotency-Key answers its retries before it expires and is deleted. */
  IDEMPOTENCY_KEY_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .default(24 * 3_600),
  /** A published outbox row is deleted this long after the broker confirmed it (src/retention.ts). */
  OUTBOX_RETENTION_S: z.coerce.number().int().min(60).default(3_600),
  /** A processed message's id is kept this long: longer than a parked message waits for its replay. */
  PROCESSED_MESSAGES_RETENTION_S: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3_600),
});

export type PaymentsConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return parseEnv(configSchema, env);
}
