import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const root = path.resolve(__dirname, '../../..');

export interface ComposeService {
  image: string;
  build?: unknown;
  pull_policy?: string;
  restart?: string;
  ports?: string[];
  mem_limit: string;
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on: Record<string, { condition: string }>;
  command?: string[];
}

/** docker-compose.yml as compose reads it (anchors and merge keys resolved). */
export const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};

/** `${NAME:?message}`: compose fills it from `.env` or the environment, and refuses to start without it. */
export const REQUIRED = /^\$\{(\w+):\?(.+)\}$/;

/** A service's environment as compose would pass it, with `.env` holding `dotEnv`. */
export function interpolated(
  env: Record<string, string>,
  dotEnv: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => {
      const required = REQUIRED.exec(value);
      return [key, required ? (dotEnv[required[1] as string] ?? '') : value];
    }),
  );
}
