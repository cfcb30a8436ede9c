import { z } from 'zod';
import { DEFAULT_AMQP_URL, DEFAULT_MYSQL_URL, DEFAULT_NAMESPACE, NAMESPACE_PATTERN } from './stack';

/** A secret the lab makes per lab: required, and long enough that guessing it is not an attack. */
export function labSecret(name: string) {
  return z
    .string({
      error: `${name} is not set: \`npx lab up\` makes one per lab; for docker compose, \`npx lab secrets >> .env\``,
    })
    .min(32, `${name} must be at least 32 characters: \`npx lab secrets\` prints good ones`);
}

/** Variables every service reads; each service's config.ts extends this with its own. */
export const commonEnv = z.object({
  MYSQL_URL: z.url({ protocol: /^mysql$/ }).default(DEFAULT_MYSQL_URL),
  AMQP_URL: z.url({ protocol: /^amqps?$/ }).default(DEFAULT_AMQP_URL),
  LAB_NAMESPACE: z
    .string()
    .regex(NAMESPACE_PATTERN, 'lower-case letters, digits and _ only')
    .default(DEFAULT_NAMESPACE),
  HOST: z.string().default('127.0.0.1'),
  /** Local runs: the flagd JSON file evaluated in-process (default: the repo's infra/flagd/flags.json). */
  FLAGD_OFFLINE_FLAG_SOURCE_PATH: z.string().optional(),
  /** docker compose: the flagd server to sync flags from; wins over the file. */
  FLAGD_HOST: z.string().optional(),
  FLAGD_PORT: z.coerce.number().int().positive().default(8015),
  /** A game day's sealed overlay of hidden flags (`lab up` names it; absent outside a drill). */
  LAB_DRILL_OVERLAY: z.string().optional(),
  /**
   * The credential services show each other (and the lab CLI shows them) on internal routes. No
   * default: `lab up` makes one per lab, compose reads it from `.env`.
   */
  INTERNAL_TOKEN: labSecret('INTERNAL_TOKEN'),
});

export type CommonEnv = z.infer<typeof commonEnv>;

/** Where a service reads its flags from, as the flags package expects it. */
export function flagSource(env: CommonEnv) {
  return {
    file: env.FLAGD_OFFLINE_FLAG_SOURCE_PATH,
    flagdHost: env.FLAGD_HOST,
    flagdPort: env.FLAGD_PORT,
    // Sealed with the lab's internal token, which every service already holds.
    ...(env.LAB_DRILL_OVERLAY
      ? { overlay: { file: env.LAB_DRILL_OVERLAY, secret: env.INTERNAL_TOKEN } }
      : {}),
  };
}
