import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '../stack/services';
import { scrape } from './scrape';

/**
 * Waits until no service is still working on requests: a broken phase leaves work behind (queued
 * queries whose clients gave up long ago), and it must not spill into the next phase.
 */
export async function settle(
  services: ServiceProcess[],
  say: (line: string) => void,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const samples = (
      await Promise.all(services.map((service) => scrape(service.url).catch(() => [])))
    ).flat();
    const busy = samples
      .filter(
        (sample) =>
          sample.name === 'http_server_in_flight_requests' || sample.name === 'db_pool_requests_waiting',
      )
      .reduce((sum, sample) => sum + sample.value, 0);
    if (busy === 0) return;
    if (Date.now() > deadline) {
      say(`the shop is still busy (${busy} requests in flight or waiting); going on`);
      return;
    }
    if (!announced) say(`waiting for the shop to finish ${busy} leftover requests…`);
    announced = true;
    await sleep(1_000);
  }
}
