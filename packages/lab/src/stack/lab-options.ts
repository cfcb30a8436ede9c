import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_NAMESPACE, DEFAULT_PORTS, type ServiceName, serverUrls } from '@incident-lab/config';
import { learnerFlagFile } from '@incident-lab/flags';
import { type LabSecrets, labSecrets } from './lab-secrets';

/** Where the lab runs: which servers, which namespace, which ports, which flag file. */
export interface LabOptions {
  mysqlUrl: string;
  amqpUrl: string;
  namespace: string;
  /** storefront's port; the other services take the next five. */
  portBase: number;
  host: string;
  /**
   * The flags the lab's services read and `lab flags set` writes: FLAGD_OFFLINE_FLAG_SOURCE_PATH, or
   * the lab's own copy of the shipped file, `.lab/<namespace>/flags.json`, made on first use; the
   * shipped `infra/flagd/flags.json` stays as the repository has it.
   */
  flagFile: string;
  /** Where the running lab keeps its state (processes, restarts): `.lab/<namespace>/`, git-ignored. */
  stateDir: string;
  /** The lab's session secret and internal token (`lab-secrets.ts`). */
  secrets: LabSecrets;
}

/** The repository's root (from src/stack or dist/stack of packages/lab). */
const REPO_ROOT = path.resolve(__dirname, '../../../..');
/** The repository's `.lab/` folder. */
const STATE_ROOT = path.join(REPO_ROOT, '.lab');

/**
 * Reads the repository's `.env` (what docker compose reads too) into the environment, without
 * overriding variables already set: one place for settings such as MYSQL_URL or the lab's secrets.
 */
export function loadDotEnv(file = path.join(REPO_ROOT, '.env')): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/** Options from the environment, the same variables the services read. */
export function labOptions(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<LabOptions> = {},
): LabOptions {
  const namespace = overrides.namespace ?? env.LAB_NAMESPACE ?? DEFAULT_NAMESPACE;
  const stateDir = overrides.stateDir ?? path.join(env.LAB_STATE_DIR ?? STATE_ROOT, namespace);
  return {
    ...serverUrls(env),
    namespace,
    portBase: Number(env.LAB_PORT_BASE ?? DEFAULT_PORTS.storefront),
    host: env.HOST ?? '127.0.0.1',
    ...overrides,
    flagFile:
      overrides.flagFile ??
      env.FLAGD_OFFLINE_FLAG_SOURCE_PATH ??
      learnerFlagFile(path.join(stateDir, 'flags.json')),
    stateDir,
    secrets: overrides.secrets ?? labSecrets(stateDir, env),
  };
}

export function portOf(options: LabOptions, service: ServiceName): number {
  return options.portBase + (DEFAULT_PORTS[service] - DEFAULT_PORTS.storefront);
}

/** The lab console's port: LAB_CONSOLE_PORT, or 80 above storefront's (3080 by default). */
export function consolePort(options: LabOptions, env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.LAB_CONSOLE_PORT ?? options.portBase + 80);
}

/** LAB_CONSOLE_URL (the console sets it for the runs it starts), or the console `lab up` starts. */
export function consoleUrl(options: LabOptions, env: NodeJS.ProcessEnv = process.env): string {
  return env.LAB_CONSOLE_URL ?? `http://${options.host}:${consolePort(options, env)}`;
}

export function urlOf(options: LabOptions, service: ServiceName): string {
  return `http://${options.host}:${portOf(options, service)}`;
}
