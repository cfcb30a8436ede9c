import { commonEnv, DEFAULT_PORTS, DEFAULT_REDIS_URL, labSecret, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.storefront),
  PAYMENTS_URL: z.url().default(`http://127.0.0.1:${DEFAULT_PORTS.payments}`),
  /** The catalogue cache. The shop sells without it (slower); lab 3 teaches what a failed write does. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default(DEFAULT_REDIS_URL),
  /** With `cache-write-checks`: how long a cached catalogue lives before it is read from MySQL again. */
  CATALOGUE_CACHE_TTL_S: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Signs login tokens (HS256). No default: a committed secret would let anyone sign any session. */
  SESSION_SECRET: labSecret('SESSION_SECRET'),
  /** The pool that login, products, checkout (and, without the bulkhead, reports) share. */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** The reports' own pool, used when the `reports-bulkhead` flag is on. */
  REPORTS_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(2),
  /** The report query's server-side time cap when the `db-query-timeout` flag is on. */
  REPORT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
  /** With `idempotency-keys`: how long storefront keeps asking payments to charge an order it answered 202 for. */
  PAYMENT_REQUEST_DEADLINE_S: z.coerce.number().int().min(1).default(600),
  /**
   * A checkout order still PENDING with no payment this long after it was placed is abandoned (with
   * `abandoned-payments`). The lab's clock is fast: a real shop gives a customer 15 to 30 minutes.
   */
  PAYMENT_ABANDON_AFTER_S: z.coerce.number().int().min(1).default(20),
  /** How long an Idempotency-Key answers its retries before it expires and is deleted. */
  IDEMPOTENCY_KEY_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .default(24 * 3_600),
  /** A closed charge request (answered or expired) is deleted this long after it closed (src/retention.ts). */
  PAYMENT_REQUESTS_RETENTION_S: z.coerce
    .number()
    .int()
    .min(60)
    .default(2 * 24 * 3_600),
  /**
   * Seed the customers, the staff member and the products at start (idempotent). docker compose sets
   * it; `lab up` seeds through the CLI instead.
   */
  SEED_CATALOG: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export type StorefrontConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StorefrontConfig {
  return parseEnv(configSchema, env);
}
