import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '../stack/services';
import { scrape } from './scrape';

/** Consecutive idle samples (one a second) that count as settled. */
const QUIET_SAMPLES = 3;

/**
 * Waits until no service is still working on requests: a broken phase leaves work behind (queued
 * queries whose clients gave up long ago), and it must not spill into the next phase. A request
 * whose client gave up no longer counts as in flight (its socket closed) but its handler goes on:
 * between two queries it holds no connection and waits for none, so one idle sample proves little.
 * Settled is three idle seconds in a row: nothing in flight, nothing waiting for a connection, no
 * connection lent out.
 */
export async function settle(
  services: ServiceProcess[],
  say: (line: string) => void,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  let quiet = 0;
  for (;;) {
    const samples = (
      await Promise.all(services.map((service) => scrape(service.url).catch(() => [])))
    ).flat();
    const busy = samples
      .filter((sample) =>
        ['http_server_in_flight_requests', 'db_pool_requests_waiting', 'db_pool_connections_in_use'].includes(
          sample.name,
        ),
      )
      .reduce((sum, sample) => sum + sample.value, 0);
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= QUIET_SAMPLES) return;
    if (Date.now() > deadline) {
      say(`the shop is still busy (${busy} requests in flight, waiting or holding a connection); going on`);
      return;
    }
    if (busy > 0 && !announced) {
      say(`waiting for the shop to finish ${busy} leftover requests…`);
      announced = true;
    }
    await sleep(1_000);
  }
}
