import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_NAMES } from '@incident-lab/config';
import { setFlags } from '@incident-lab/flags';
import { closeLabConnections, restartBroker } from '@incident-lab/messaging';
import type { ChaosFault, ShopProcess } from '@incident-lab/scenarios';
import { killLabSessions } from '../clients/mysql-sessions';
import type { LabOptions } from '../settings/lab-options';
import { readLabState } from '../supervisor/lab-state';
import { describeFault } from './fault-schedule';

/** What a fault did, when, and (for a process) how long the service took to answer ready again. */
export interface FaultRecord {
  fault: string;
  kind: ChaosFault['kind'];
  /** Seconds after the load started. */
  atS: number;
  endedS: number;
  detail: string;
  /** Per service stopped: ms from its stop to ready again. */
  recoveries: Array<{ service: string; ms: number | null }>;
}

/** A service is given this long to come back before a fault says it did not. */
const RECOVERY_TIMEOUT_MS = 60_000;

/**
 * Carries out the experiment's faults on one lab. Processes are found through the lab's state file
 * (the supervisor of `lab up`, or the one `lab chaos` started), database connections by the lab's
 * schemas, broker connections by the namespace in their names: another lab or a test on the same
 * servers is never touched.
 */
export class FaultInjector {
  constructor(
    private readonly lab: LabOptions,
    private readonly loadStart: number,
  ) {}

  private seconds() {
    return Math.round((performance.now() - this.loadStart) / 100) / 10;
  }

  async inject(fault: ChaosFault): Promise<FaultRecord> {
    const atS = this.seconds();
    const done = (detail: string, recoveries: FaultRecord['recoveries'] = []): FaultRecord => ({
      fault: describeFault(fault),
      kind: fault.kind,
      atS,
      endedS: this.seconds(),
      detail,
      recoveries,
    });
    switch (fault.kind) {
      case 'kill': {
        const recovery = await this.stop(fault.service, 'SIGKILL');
        return done(`SIGKILL pid ${recovery.pid}`, [{ service: fault.service, ms: recovery.ms }]);
      }
      case 'kill-mysql-connections':
        return done(`killed ${await killLabSessions(this.lab, { kill: 'CONNECTION' })} MySQL connections`);
      case 'close-amqp-connections': {
        const closed = await closeLabConnections(this.lab.namespace, 'lab chaos: connection cut');
        return done(
          `closed ${closed.length} RabbitMQ connections (${closed.map((c) => c.clientName).join(', ')})`,
        );
      }
      case 'provider-outage':
        await setFlags(this.lab.flagFile, { 'provider-fault-target': 'primary', 'provider-outage': 'on' });
        await sleep(fault.durationS * 1000);
        await setFlags(this.lab.flagFile, { 'provider-outage': 'off' });
        return done(`provider-primary answered 503 for ${fault.durationS} s`);
      case 'rolling-restart': {
        const recoveries: FaultRecord['recoveries'] = [];
        for (const service of SERVICE_NAMES) {
          const recovery = await this.stop(service, 'SIGTERM');
          recoveries.push({ service, ms: recovery.ms });
        }
        return done('SIGTERM to each service in turn, each waited for', recoveries);
      }
      case 'restart-broker':
        await restartBroker();
        return done('RabbitMQ stopped and started');
    }
  }

  /**
   * Stops a service as the fault says and waits until the supervisor has it ready again: the time
   * between is its recovery. A service that is down already is waited for first, so the fault
   * strikes a running process.
   */
  private async stop(
    service: ShopProcess,
    signal: NodeJS.Signals,
  ): Promise<{ pid: number; ms: number | null }> {
    const running = await this.waitForProcess(service);
    if (!running) throw new Error(`${service} is not running under a supervisor: no process to stop`);
    const stoppedAt = performance.now();
    process.kill(running.pid, signal);
    const back = await this.waitForProcess(service, running.pid);
    return { pid: running.pid, ms: back ? Math.round(performance.now() - stoppedAt) : null };
  }

  /** Waits until the service has a ready process (another than `not`, when given). */
  private async waitForProcess(service: string, not?: number): Promise<{ pid: number } | undefined> {
    const deadline = performance.now() + RECOVERY_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const state = (await readLabState(this.lab.stateDir))?.services.find((each) => each.name === service);
      if (state?.pid && state.readySince && state.pid !== not) return { pid: state.pid };
      await sleep(50);
    }
    return undefined;
  }
}
