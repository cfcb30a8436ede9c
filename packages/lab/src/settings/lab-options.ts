import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_NAMESPACE, DEFAULT_PORTS, type ServiceName, serverUrls } from '@incident-lab/config';
import { learnerFlagFile } from '@incident-lab/flags';
import { type LabSecrets, labSecrets } from './lab-secrets';

/** Where the lab runs: which servers, which namespace, which ports, which flag file. */
export interface LabOptions {
  mysqlUrl: string;
  amqpUrl: string;
  /** Storefront's catalogue cache (REDIS_URL). */
  redisUrl: string;
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
  /** Where the learner's own observability tools answer, when they run (compose starts them). */
  observability: Observability;
}

/** The tools beside the lab: every default of the CLI for them is here, and only here. */
export interface Observability {
  /** LAB_GRAFANA_URL: dashboards to link and annotate (default http://localhost:3030). */
  grafanaUrl: string;
  /** LAB_GRAFANA_AUTH: user:password for Grafana's annotation API (default admin:admin). */
  grafanaAuth: string;
  /** LAB_JAEGER_URL: trace links go there when it answers (default http://localhost:16686). */
  jaegerUrl: string;
  /** LAB_PROMETHEUS_URL: where firing alerts are read, when set. */
  prometheusUrl?: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where the console forwards the services' telemetry, when set. */
  otlpEndpoint?: string;
}

export function observabilityOf(env: NodeJS.ProcessEnv): Observability {
  return {
    grafanaUrl: env.LAB_GRAFANA_URL ?? 'http://localhost:3030',
    grafanaAuth: env.LAB_GRAFANA_AUTH ?? 'admin:admin',
    jaegerUrl: env.LAB_JAEGER_URL ?? 'http://localhost:16686',
    ...(env.LAB_PROMETHEUS_URL ? { prometheusUrl: env.LAB_PROMETHEUS_URL } : {}),
    ...(env.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  };
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
    observability: observabilityOf(env),
    ...overrides,
    flagFile:
      overrides.flagFile ??
      env.FLAGD_OFFLINE_FLAG_SOURCE_PATH ??
      learnerFlagFile(path.join(stateDir, 'flags.json')),
    stateDir,
    secrets: overrides.secrets ?? labSecrets(stateDir, env),
  };
}

/** Where a running drill keeps its state (`lab drill`): in the lab's state folder. */
export function drillDir(options: Pick<LabOptions, 'stateDir'>): string {
  return path.join(options.stateDir, 'drill');
}

/** What anyone may read of a drill (`lab drill status`, the console's Drill page). */
export function drillStatusFile(options: Pick<LabOptions, 'stateDir'>): string {
  return path.join(drillDir(options), 'status.json');
}

/** The sealed overlay of a drill's hidden flags, which every service of the lab polls. */
export function drillOverlayFile(options: Pick<LabOptions, 'stateDir'>): string {
  return path.join(drillDir(options), 'overlay');
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
