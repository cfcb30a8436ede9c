import { checkInfrastructure } from '../clients/infrastructure';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { migrateAll, seed } from '../shop-data/data';
import { readLabState, writeLabState } from './lab-state';
import { isLive } from './readiness';
import { type SupervisedService, Supervisor, type SupervisorOptions } from './supervisor';

export interface RunningLab {
  services: SupervisedService[];
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * Everything `lab up` does before it waits: check MySQL and RabbitMQ, migrate, make sure there are
 * users and products to shop with, start every service under the supervisor and wait until each is
 * ready. The supervisor keeps the lab's state file current for `lab status` and `lab chaos`.
 */
export async function startLab(
  options: LabOptions,
  run: Omit<SupervisorOptions, 'onChange'> = {},
): Promise<RunningLab> {
  await checkInfrastructure(options);
  await refuseIfRunning(options);
  await migrateAll(options);
  await seed(options);
  const startedAt = new Date().toISOString();
  let writing = Promise.resolve();
  const supervisor = new Supervisor(labServices(options), {
    ...run,
    onChange: (services) => {
      const state = { supervisorPid: process.pid, startedAt, services };
      writing = writing.then(() => writeLabState(options.stateDir, state)).catch(() => undefined);
    },
  });
  await supervisor.start();
  return {
    services: supervisor.services,
    supervisor,
    stop: async () => {
      await supervisor.stop();
      await writing;
    },
  };
}

/** Two labs on the same ports would answer for each other: start only where nothing answers yet. */
async function refuseIfRunning(options: LabOptions): Promise<void> {
  const running = await readLabState(options.stateDir);
  if (running) {
    throw new Error(
      `lab "${options.namespace}" is already up (supervisor pid ${running.supervisorPid}): see \`lab status\`, or stop it first`,
    );
  }
  for (const service of labServices(options)) {
    if (await isLive(service.url)) {
      throw new Error(
        `something already answers at ${service.url} (${service.name}'s port): stop it, or give this lab other ports with LAB_PORT_BASE`,
      );
    }
  }
}
