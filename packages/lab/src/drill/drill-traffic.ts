import { setTimeout as sleep } from 'node:timers/promises';
import { arrivals, type ClientBehaviour, type EndpointGroup } from '@incident-lab/scenarios';
import type { ShopClient } from '../load/shop-client';
import type { RequestResult } from '../load/stats';

/** One request of a drill's traffic, with when it was sent (epoch ms). */
export interface DrillRequest extends RequestResult {
  atMs: number;
}

/** Seconds of arrivals made at a time: the rates may change between chunks (a fault's extra load). */
const CHUNK_S = 10;

/**
 * The steady, seeded open-model traffic of a game day: the labs' load (Poisson arrivals per
 * endpoint, users retrying once), for as long as the drill runs. `add` puts more on top from the next
 * chunk on (a report storm); every request is kept with its send time, so any window of the drill can
 * be judged as `lab run` judges a phase.
 */
export class DrillTraffic {
  readonly requests: DrillRequest[] = [];
  private stopped = false;
  private extra: Partial<Record<EndpointGroup, number>> = {};
  private readonly inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;

  constructor(
    private readonly client: ShopClient,
    private readonly rates: Partial<Record<EndpointGroup, number>>,
    private readonly seed: number,
    private readonly behaviour: ClientBehaviour = { onFailure: 'retry', retries: 1, followRetryAfter: true },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** More traffic from the next chunk on, until `remove`. */
  add(extra: Partial<Record<EndpointGroup, number>>): void {
    this.extra = { ...this.extra, ...extra };
  }

  remove(): void {
    this.extra = {};
  }

  private async run(): Promise<void> {
    for (let chunk = 0; !this.stopped; chunk++) {
      const rates = { ...this.rates };
      for (const [endpoint, rate] of Object.entries(this.extra))
        rates[endpoint as EndpointGroup] = (rates[endpoint as EndpointGroup] ?? 0) + (rate ?? 0);
      const started = Date.now();
      for (const arrival of arrivals(rates, CHUNK_S, this.seed * 1_009 + chunk)) {
        const wait = started + arrival.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.stopped) return;
        this.send(arrival.endpoint, arrival.pick);
      }
      const rest = started + CHUNK_S * 1000 - Date.now();
      if (rest > 0) await sleep(rest);
    }
  }

  private send(endpoint: EndpointGroup, pick: number): void {
    const atMs = Date.now();
    const request = this.client.call(endpoint, pick, this.behaviour, atMs).then((result) => {
      this.requests.push({ ...result, atMs });
    });
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  /** Requests sent in [fromMs, toMs) that have come back. */
  between(fromMs: number, toMs: number): DrillRequest[] {
    return this.requests.filter((request) => request.atMs >= fromMs && request.atMs < toMs);
  }

  /** Stops sending and waits for the requests still out. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.inFlight);
  }
}
