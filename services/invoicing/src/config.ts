import { commonEnv, DEFAULT_PORTS, parseEnv } from '@incident-lab/config';
import { z } from 'zod';

export const configSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.invoicing),
});

export type InvoicingConfig = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): InvoicingConfig {
  return parseEnv(configSchema, env);
}
