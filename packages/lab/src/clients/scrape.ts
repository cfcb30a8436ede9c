import type { ServiceProcess } from '../settings/services';
import { counterTotals, parsePrometheusText, type Sample } from './prometheus-text';

export async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  // An error page has no samples: it must not read as a service with nothing to report.
  if (!response.ok) throw new Error(`${url}/metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}

/**
 * Every service's samples right now, scraped in parallel, by service name. A service that does not
 * answer (down, or too busy in a storm) maps to undefined: each caller decides what silence means.
 */
export async function scrapeEach(services: ServiceProcess[]): Promise<Map<string, Sample[] | undefined>> {
  const entries = await Promise.all(
    services.map(
      async (service) => [service.name, await scrape(service.url).catch(() => undefined)] as const,
    ),
  );
  return new Map(entries);
}

/** Each service's counters of interest right now; a service that does not answer gives none. */
export async function scrapeCounters(
  services: ServiceProcess[],
): Promise<Record<string, Record<string, number>>> {
  const scrapes = await scrapeEach(services);
  return Object.fromEntries([...scrapes].map(([name, samples]) => [name, counterTotals(samples ?? [])]));
}
