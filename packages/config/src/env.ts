import type { z } from 'zod';

/** Raised when the environment cannot configure a service; the message names each bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses environment variables with a zod object schema and fails fast, naming every variable that is
 * missing or malformed, so a misconfigured service stops at start instead of misbehaving later.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid environment:\n${problems.join('\n')}`);
}
