import { setTimeout as sleep } from 'node:timers/promises';
import type { FlagState } from '@incident-lab/flags';
import type { ServiceProcess } from '../stack/services';
import { scrape } from './scrape';

/**
 * Waits until every service that applies one of these flags reports the new variant on its
 * `lab_flag_value` gauge: a file edit is not a change in force until the services have read it.
 */
export async function waitForFlags(
  services: ServiceProcess[],
  changed: FlagState[],
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lagging: string[] = [];
    for (const service of services) {
      const samples = (await scrape(service.url).catch(() => [])).filter(
        (sample) => sample.name === 'lab_flag_value',
      );
      for (const flag of changed) {
        const applied = samples.find((sample) => sample.labels.flag === flag.key);
        if (applied && applied.labels.variant !== flag.variant) {
          lagging.push(`${service.name}: ${flag.key} is ${applied.labels.variant}, want ${flag.variant}`);
        }
      }
    }
    if (lagging.length === 0) return;
    if (Date.now() > deadline) throw new Error(`flags not applied in time:\n  ${lagging.join('\n  ')}`);
    await sleep(250);
  }
}
