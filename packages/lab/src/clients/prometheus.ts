import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { consoleUrl, type LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';

/** The lab's alert rules, the ones docker compose's Prometheus loads too. */
export const ALERT_RULES = path.resolve(path.dirname(SHIPPED_FLAG_FILE), '../prometheus/alerts.yml');
/** The alerts' runbooks, in the repository's lab guides (the console serves them). */
export const RUNBOOKS = path.resolve(path.dirname(SHIPPED_FLAG_FILE), '../../lab-guides/runbooks');

/** Each alert of the lab's rules and the runbook file its `runbook_url` names (`invoices-missing.md`). */
export function alertRunbooks(): Map<string, string> {
  const rules = readFileSync(ALERT_RULES, 'utf8');
  const runbooks = new Map<string, string>();
  for (const [, name, body] of rules.matchAll(/- alert: (\w+)\n([\s\S]*?)(?=\n\s*- alert:|$)/g)) {
    const file = /runbook_url: '[^']*\/([\w.-]+\.md)'/.exec(body as string)?.[1];
    if (file) runbooks.set(name as string, file);
  }
  return runbooks;
}
export const DEFAULT_PROMETHEUS_PORT = 9090;

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** Whether the machine has Prometheus (Debian: apt install prometheus). */
export function prometheusInstalled(): boolean {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The Prometheus configuration for the lab's local processes: every service scraped every
 * `intervalS`, labelled with its name as under compose, and the alert rules evaluated as often,
 * their runbook links pointing at the lab's console.
 */
export function prometheusConfig(options: LabOptions, intervalS: number): object {
  return {
    global: {
      scrape_interval: `${intervalS}s`,
      evaluation_interval: `${intervalS}s`,
      // The alerts' runbook links: served by this lab's console.
      external_labels: { runbook_base: `${consoleUrl(options)}/runbooks` },
    },
    rule_files: [ALERT_RULES],
    scrape_configs: [
      {
        job_name: 'incident-lab',
        static_configs: labServices(options).map((service) => ({
          targets: [new URL(service.url).host],
          labels: { service: service.name },
        })),
      },
    ],
  };
}

/**
 * Starts the machine's Prometheus for the lab (`lab up --observe`): scraping the services every
 * 2 s and evaluating the lab's alert rules, so alerts work without Docker. Data lives in a temporary
 * directory, removed on stop.
 */
export async function startPrometheus(
  options: LabOptions,
  { port = DEFAULT_PROMETHEUS_PORT, intervalS = 2 }: { port?: number; intervalS?: number } = {},
): Promise<RunningPrometheus> {
  if (!prometheusInstalled()) {
    throw new Error(
      'prometheus is not installed here (Debian: apt install prometheus), or use docker compose up',
    );
  }
  // Something else on the port (often a system Prometheus without the lab's rules) would answer for
  // ours: refuse instead of reporting its alerts as the lab's.
  const taken = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );
  if (taken) {
    throw new Error(
      `port ${port} already answers (another Prometheus?): the lab starts its own, with its rules. Stop that one, or pick a free port with --prometheus-port`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-lab-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  // JSON is YAML: no YAML writer needed.
  await writeFile(config, JSON.stringify(prometheusConfig(options, intervalS), null, 2));
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      // Then, briefly, for the first scrape of every service; one not up yet is scraped later.
      const scrapedBy = Date.now() + 15_000;
      while (Date.now() < scrapedBy && !(await everyTargetScraped(url))) await sleep(200);
      return { url, stop };
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`prometheus did not become ready at ${url}:\n${output.join('').slice(-1500)}`);
}

/**
 * Whether Prometheus has scraped every service once. Ready is not enough: a counter first seen after
 * the load began carries what happened before in its first sample, which `increase()` never counts
 * (orders lost in the first seconds would not show in OrdersOutpacePayments).
 */
async function everyTargetScraped(url: string): Promise<boolean> {
  const body = await fetch(`${url}/api/v1/targets?state=active`)
    .then((response) => response.json() as Promise<{ data?: { activeTargets?: Array<{ health: string }> } }>)
    .catch(() => undefined);
  const targets = body?.data?.activeTargets ?? [];
  return targets.length > 0 && targets.every((target) => target.health === 'up');
}
