import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import type { RunningConsole } from '@incident-lab/console';
import { dropDatabase } from '@incident-lab/db';
import { copyShippedFlagFile } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import {
  consoleServiceEnv,
  type LabOptions,
  labOptions,
  parsePrometheusText,
  type RunningLab,
  startLab,
  startLabConsole,
  urlOf,
} from '@incident-lab/lab';
import { deleteTopology } from '@incident-lab/messaging';
import { OtlpReceiver } from './otlp-receiver';

export interface TestLab {
  options: LabOptions;
  lab: RunningLab;
  receiver: OtlpReceiver;
  /** The lab console, when the test asked for one: the services then export to it, not to `receiver`. */
  console?: RunningConsole;
  url: (service: Parameters<typeof urlOf>[1]) => string;
  /** The headers internal routes (payments, providers, invoicing, reconciler) ask for. */
  internal: { authorization: string };
  stop(): Promise<void>;
}

/**
 * A whole second shop on the machine's MySQL and RabbitMQ: its own namespace (schemas, queues),
 * its own ports and its own copy of the flag file, so it never touches the learner's lab.
 */
export async function startTestLab(
  portBase: number,
  settings: { console?: boolean; logLevel?: string } = {},
): Promise<TestLab> {
  const receiver = new OtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = await receiver.start();
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  process.env.LOG_LEVEL = 'warn';
  const flagFile = await copyShippedFlagFile();
  // The lab's state (its processes, their restarts) in a folder of its own, not the repository's.
  const stateRoot = await mkdtemp(path.join(tmpdir(), 'lab-state-'));
  const namespace = `e2e_${process.pid}`;
  const options = labOptions(process.env, {
    namespace,
    portBase,
    flagFile,
    stateDir: path.join(stateRoot, namespace),
  });
  const reportsDir = await mkdtemp(path.join(tmpdir(), 'lab-reports-'));
  const labConsole = settings.console
    ? await startLabConsole(options, { reportsDir, labEnv: labEnvOf(options) })
    : undefined;
  const lab = await startLab(options, {
    serviceEnv: {
      ...(labConsole ? consoleServiceEnv(labConsole.url) : {}),
      ...(settings.logLevel ? { LOG_LEVEL: settings.logLevel } : {}),
    },
  });
  return {
    options,
    lab,
    receiver,
    ...(labConsole ? { console: labConsole } : {}),
    url: (service) => urlOf(options, service),
    internal: internalAuth(options.secrets.internalToken),
    async stop() {
      await lab.stop();
      await labConsole?.stop();
      await rm(reportsDir, { recursive: true, force: true });
      await receiver.stop();
      for (const owner of SCHEMA_OWNERS)
        await dropDatabase(options.mysqlUrl, databaseName(options.namespace, owner));
      await deleteTopology(options.amqpUrl, options.namespace);
      await rm(stateRoot, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The sum of a metric's samples in a /metrics page whose labels include `labels`; 0 if absent. */
export function metricValue(page: string, name: string, labels: Record<string, string> = {}): number {
  return parsePrometheusText(page)
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

const LAB_CLI = path.resolve(__dirname, '../../../packages/lab/bin/lab.js');

/** Runs any `lab` command against the test lab; returns its exit code and what it printed. */
export async function labCli(lab: TestLab, args: string[], timeoutMs = 60_000) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [LAB_CLI, ...args], {
      env: labEnv(lab),
      timeout: timeoutMs,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** A `lab` command left running against the test lab (a drill): its output so far, and its end. */
export function spawnLab(lab: TestLab, args: string[]) {
  const child = spawn(process.execPath, [LAB_CLI, ...args], {
    env: labEnv(lab),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, exited };
}

function labEnv(lab: TestLab): NodeJS.ProcessEnv {
  return labEnvOf(lab.options);
}

/** The environment a `lab` command needs to act on this test lab rather than the learner's. */
function labEnvOf(options: LabOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LAB_NAMESPACE: options.namespace,
    LAB_PORT_BASE: String(options.portBase),
    FLAGD_OFFLINE_FLAG_SOURCE_PATH: options.flagFile,
    LAB_STATE_DIR: path.dirname(options.stateDir),
    LAB_GRAFANA_URL: 'http://127.0.0.1:9',
    // No Jaeger: trace links go to the lab console, whatever the machine runs.
    LAB_JAEGER_URL: 'http://127.0.0.1:9',
  };
}

/**
 * Runs `lab run <args>` against the test lab (its namespace, ports and flag file; Grafana pointed at
 * a closed port) and returns what it printed, the report folder and the parsed report.json.
 */
export async function runLabCli(lab: TestLab, args: string[], timeoutMs: number) {
  const out = await mkdtemp(path.join(tmpdir(), 'lab-reports-'));
  const { stdout } = await promisify(execFile)(process.execPath, [LAB_CLI, 'run', ...args, '--out', out], {
    env: labEnv(lab),
    timeout: timeoutMs,
  });
  const dir = path.join(out, (await readdir(out))[0] as string);
  return { stdout, dir, report: JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) };
}
