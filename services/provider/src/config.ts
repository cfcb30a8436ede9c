import { commonEnv, DEFAULT_PORTS, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  /** Two instances run from this code, each with its own ledger: primary and backup. */
  PROVIDER_INSTANCE: z.enum(['primary', 'backup']).default('primary'),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type ProviderConfig = z.infer<typeof configSchema> & { PORT: number };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const config = parseEnv(configSchema, env);
  return { ...config, PORT: config.PORT ?? DEFAULT_PORTS[`provider-${config.PROVIDER_INSTANCE}`] };
}
