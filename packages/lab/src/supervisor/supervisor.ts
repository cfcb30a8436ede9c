import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '../settings/services';
import { formatLogLine } from './log-format';
import { isReady } from './readiness';

export interface SupervisorOptions {
  /** Where formatted log lines go; nothing is printed when absent. */
  log?: (line: string) => void;
  colour?: boolean;
  readyTimeoutMs?: number;
  /** Called whenever a service starts, becomes ready or exits: `lab up` writes its state file. */
  onChange?: (services: ServiceState[]) => void;
  /** Variables every service gets on top of its own: where `lab up` sends their traces. */
  serviceEnv?: Record<string, string>;
  /** Node flags after SERVICE_NODE_FLAGS, which they override (bench/profile.mjs measures other limits). */
  nodeFlags?: string[];
  /** Keeps debug lines out of the terminal (the console still receives them over OTLP). */
  hideDebug?: boolean;
}

/** What `lab status --json` shows of each process. */
export interface ServiceState {
  name: string;
  url: string;
  pid: number | undefined;
  /** Times it was started again after exiting on its own (a crash, a kill, a stop from outside). */
  restarts: number;
  lastExit?: { at: string; code: number | null; signal: string | null };
  /** When it last answered ready; absent while it starts. */
  readySince?: string;
  /** From its last unexpected exit to ready again, in ms. */
  lastRecoveryMs?: number;
}

const TELEMETRY_PRELOAD = require.resolve('@incident-lab/telemetry/register');
/**
 * How a service's Node starts, as the image's ENTRYPOINT (infra/docker/Dockerfile) does. A service
 * under load lives on about 35 MB of heap, but V8, allowed gigabytes, lets garbage pile up before it
 * collects: storefront reached 220–231 MB of RSS under `npm run bench:profile`; capped, 120–121 MB,
 * and every service 10 MB less idle (bench/what-each-change-bought.md, with the possible CPU cost).
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];
const KEEP_LINES = 200;
/** Restart backoff: 250 ms, doubling to 5 s while it keeps failing; back to 250 ms once it stays up. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const STABLE_AFTER_MS = 30_000;

export class SupervisedService {
  child?: ChildProcess;
  readonly output: string[] = [];
  state: ServiceState;
  private backoffMs = FIRST_BACKOFF_MS;
  private startedAt = 0;

  constructor(readonly process: ServiceProcess) {
    this.state = { name: process.name, url: process.url, pid: undefined, restarts: 0 };
  }

  get name() {
    return this.process.name;
  }

  get url() {
    return this.process.url;
  }

  /** The next pause before a restart: it doubles while the service keeps dying soon after starting. */
  nextBackoff(): number {
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.backoffMs = FIRST_BACKOFF_MS;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    return wait;
  }

  markStarted(child: ChildProcess) {
    this.child = child;
    this.startedAt = Date.now();
    this.state = { ...this.state, pid: child.pid, readySince: undefined };
  }
}

/**
 * Runs the lab's services as Node processes with the telemetry preloaded, and keeps them running the
 * way compose's `restart: unless-stopped` does: a service that exits without being asked to by the
 * supervisor is logged with its exit code or signal and started again after a backoff. Stopping
 * sends SIGTERM (the service drains) and SIGKILL after a grace period.
 */
export class Supervisor {
  readonly services: SupervisedService[];
  private stopping = false;

  constructor(
    processes: ServiceProcess[],
    private readonly options: SupervisorOptions = {},
  ) {
    this.services = processes.map((process) => new SupervisedService(process));
  }

  /** Starts every service and resolves once all answer ready; stops them all if any fails to. */
  async start(): Promise<void> {
    for (const service of this.services) this.spawn(service);
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 60_000);
    try {
      await Promise.all(
        this.services.map(async (service) => {
          if ((await this.waitReady(service, deadline)) === 'exited') {
            throw new Error(
              `${service.name} exited with code ${service.child?.exitCode} before it was ready:\n${service.output.slice(-10).join('\n')}`,
            );
          }
        }),
      );
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  states(): ServiceState[] {
    return this.services.map((service) => service.state);
  }

  private changed() {
    this.options.onChange?.(this.states());
  }

  private say(service: SupervisedService, line: string) {
    if (this.options.hideDebug && line.includes('"level":"debug"')) return;
    this.options.log?.(formatLogLine(service.name, line, this.options.colour ?? false));
  }

  private spawn(service: SupervisedService): void {
    const args = [
      ...SERVICE_NODE_FLAGS,
      ...(this.options.nodeFlags ?? []),
      '--require',
      TELEMETRY_PRELOAD,
      service.process.main,
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...service.process.env, ...this.options.serviceEnv, LAB_SUPERVISED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.markStarted(child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        service.output.push(line);
        if (service.output.length > KEEP_LINES) service.output.shift();
        this.say(service, line);
      });
    }
    child.once('exit', (code, signal) => this.exited(service, child, code, signal));
    this.changed();
  }

  private exited(
    service: SupervisedService,
    child: ChildProcess,
    code: number | null,
    signal: string | null,
  ) {
    if (service.child !== child) return;
    service.state = {
      ...service.state,
      pid: undefined,
      readySince: undefined,
      lastExit: { at: new Date().toISOString(), code, signal },
    };
    this.changed();
    if (this.stopping) return;
    const exitedAt = Date.now();
    const backoffMs = service.nextBackoff();
    service.state = { ...service.state, restarts: service.state.restarts + 1 };
    this.say(
      service,
      `supervisor: exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${backoffMs} ms (restart ${service.state.restarts})`,
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn(service);
      void this.waitReady(service, Date.now() + (this.options.readyTimeoutMs ?? 60_000))
        .then((outcome) => {
          if (outcome !== 'ready') return; // it died again: its exit restarts it
          service.state = { ...service.state, lastRecoveryMs: Date.now() - exitedAt };
          this.say(service, `supervisor: ready again ${Date.now() - exitedAt} ms after it exited`);
          this.changed();
        })
        .catch((error: Error) => this.say(service, `supervisor: ${error.message.split('\n')[0]}`));
    }, backoffMs);
  }

  /** Waits until the service answers ready, or its process exits first. */
  private async waitReady(service: SupervisedService, deadline: number): Promise<'ready' | 'exited'> {
    const child = service.child as ChildProcess;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return 'exited';
      if (await isReady(service.url)) {
        service.state = { ...service.state, readySince: new Date().toISOString() };
        this.changed();
        return 'ready';
      }
      await sleep(100);
    }
    throw new Error(
      `${service.name} was not ready at ${service.url}/health/ready in time:\n${service.output.slice(-10).join('\n')}`,
    );
  }

  /** SIGTERM lets each service finish in-flight work; SIGKILL after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.services.map(async ({ child }) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
