import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLogLine } from './log-format';
import type { ServiceProcess } from './services';

export interface RunningService extends ServiceProcess {
  child: ChildProcess;
  output: string[];
}

export interface RunOptions {
  /** Where formatted log lines go; nothing is printed when absent. */
  log?: (line: string) => void;
  colour?: boolean;
  readyTimeoutMs?: number;
}

const TELEMETRY_PRELOAD = require.resolve('@incident-lab/telemetry/register');
const KEEP_LINES = 200;

/** Starts one service as a Node process with telemetry preloaded, keeping its recent output. */
function startService(service: ServiceProcess, options: RunOptions): RunningService {
  const child = spawn(process.execPath, ['--require', TELEMETRY_PRELOAD, service.main], {
    env: { ...process.env, ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: RunningService = { ...service, child, output: [] };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      running.output.push(line);
      if (running.output.length > KEEP_LINES) running.output.shift();
      options.log?.(formatLogLine(service.name, line, options.colour ?? false));
    });
  }
  return running;
}

export async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitReady(service: RunningService, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(
        `${service.name} exited with code ${service.child.exitCode} before it was ready:\n${service.output.slice(-10).join('\n')}`,
      );
    }
    if (await isReady(service.url)) return;
    await sleep(250);
  }
  throw new Error(
    `${service.name} was not ready at ${service.url}/health/ready in time:\n${service.output.slice(-10).join('\n')}`,
  );
}

/** Starts every service and resolves once all answer ready; stops them all if any fails to. */
export async function runServices(
  services: ServiceProcess[],
  options: RunOptions = {},
): Promise<RunningService[]> {
  const running = services.map((service) => startService(service, options));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  try {
    await Promise.all(running.map((service) => waitReady(service, deadline)));
  } catch (error) {
    await stopServices(running);
    throw error;
  }
  return running;
}

/** SIGTERM lets each service finish in-flight work; SIGKILL after the grace period. */
export async function stopServices(running: RunningService[], graceMs = 10_000): Promise<void> {
  await Promise.all(
    running.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
