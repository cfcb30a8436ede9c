import { setTimeout as sleep } from 'node:timers/promises';
import type { Arrival, ClientBehaviour } from '@incident-lab/scenarios';
import type { ShopClient } from './shop-client';
import type { RequestResult } from './stats';

export interface LoadProgress {
  elapsedS: number;
  totalS: number;
  requests: number;
  failed: number;
  inFlight: number;
}

/**
 * Fires each arrival at its time without waiting for earlier ones (an open model: a slow shop
 * does not slow the users down, it piles them up). Results before `warmupMs` are not kept.
 */
export async function driveLoad(options: {
  client: ShopClient;
  arrivals: Arrival[];
  warmupMs: number;
  totalMs: number;
  behaviour: ClientBehaviour;
  onProgress?: (progress: LoadProgress, results: RequestResult[]) => void;
  /** Each request as it goes out: how late against its arrival time (a busy machine sends late). */
  onSent?: (arrival: Arrival, lateMs: number) => void;
}): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let completed = 0;
  let failed = 0;
  const report = () =>
    options.onProgress?.(
      {
        elapsedS: (performance.now() - started) / 1000,
        totalS: options.totalMs / 1000,
        requests: completed,
        failed,
        inFlight: pending.size,
      },
      results,
    );
  const ticker = setInterval(report, 1000);

  for (const arrival of options.arrivals) {
    const wait = arrival.atMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    options.onSent?.(arrival, performance.now() - started - arrival.atMs);
    const startMs = arrival.atMs - options.warmupMs;
    const request = options.client
      .call(arrival.endpoint, arrival.pick, options.behaviour, startMs)
      .then((result) => {
        completed++;
        if (result.outcome !== 'ok') failed++;
        if (arrival.atMs >= options.warmupMs) results.push(result);
      });
    pending.add(request);
    void request.finally(() => pending.delete(request));
  }
  await Promise.all(pending);
  clearInterval(ticker);
  report();
  return results;
}
