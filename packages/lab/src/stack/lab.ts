import { migrateAll, seed } from './data';
import { checkInfrastructure } from './infrastructure';
import type { LabOptions } from './lab-options';
import { type RunningService, type RunOptions, runServices, stopServices } from './run-services';
import { labServices } from './services';

export interface RunningLab {
  services: RunningService[];
  stop(): Promise<void>;
}

/**
 * Everything `lab up` does before it waits: check MySQL and RabbitMQ, migrate, make sure there are
 * users and products to shop with, start every service and wait until each is ready.
 */
export async function startLab(options: LabOptions, run: RunOptions = {}): Promise<RunningLab> {
  await checkInfrastructure(options);
  await migrateAll(options);
  await seed(options, 0);
  const services = await runServices(labServices(options), run);
  return { services, stop: () => stopServices(services) };
}
