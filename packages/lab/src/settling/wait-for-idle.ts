import { setTimeout as sleep } from 'node:timers/promises';
import { scrapeEach } from '../clients/scrape';
import type { ServiceProcess } from '../settings/services';

/** What a service is busy with: requests in flight, waiting for a connection, holding one. */
const BUSY_METRICS = [
  'http_server_active_requests',
  'db_client_connection_pending_requests',
  'db_client_connection_count',
];

/** How long to wait for a shop that stays busy before going on anyway. */
const SETTLE_TIMEOUT_MS = 180_000;
/** Consecutive idle samples (one a second) that count as settled. */
const QUIET_SAMPLES = 3;

/**
 * Waits until no service is still working on requests: a broken phase leaves work behind (queued
 * queries whose clients gave up long ago), and it must not spill into the next phase. A request
 * whose client gave up no longer counts as in flight (its socket closed) but its handler goes on:
 * between two queries it holds no connection and waits for none, so one idle sample proves little.
 * Settled is three idle seconds in a row: nothing in flight, nothing waiting for a connection, no
 * connection lent out. `cancelLeftovers`, when given, is asked each busy second to cancel what is
 * still running for clients that are gone (`lab run` between acts and phases; see leftover-queries.ts).
 */
export async function waitForIdle(
  services: ServiceProcess[],
  say: (line: string) => void,
  options: { cancelLeftovers?: () => Promise<number> } = {},
): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let announced = false;
  let quiet = 0;
  let cancelled = 0;
  for (;;) {
    const scrapes = await scrapeEach(services);
    // A service that does not answer /metrics (a storm can keep it from answering for seconds) is
    // not idle: nothing proves it, so it counts as busy.
    const silent = [...scrapes].filter(([, samples]) => samples === undefined).map(([name]) => name);
    const busy = [...scrapes.values()]
      .flatMap((samples) => samples ?? [])
      .filter((sample) => BUSY_METRICS.includes(sample.name))
      .reduce((sum, sample) => sum + sample.value, 0);
    quiet = busy === 0 && silent.length === 0 ? quiet + 1 : 0;
    if (quiet >= QUIET_SAMPLES) {
      if (cancelled > 0) say(`settled after cancelling ${cancelled} leftover queries`);
      return;
    }
    const what = `${busy} requests in flight, waiting or holding a connection${silent.length ? `; ${silent.join(', ')} not answering /metrics` : ''}`;
    if (Date.now() > deadline) {
      say(`the shop is still busy (${what}); going on`);
      return;
    }
    if (quiet === 0 && !announced) {
      say(
        busy > 0 && !silent.length
          ? `waiting for the shop to finish ${busy} leftover requests…`
          : `waiting for the shop to settle (${what})…`,
      );
      announced = true;
    }
    if (quiet === 0 && options.cancelLeftovers) {
      const now = await options.cancelLeftovers().catch(() => 0);
      if (now > 0 && cancelled === 0)
        say('cancelling queries still running for clients that gave up (KILL QUERY, as in an incident)…');
      cancelled += now;
    }
    await sleep(1_000);
  }
}
