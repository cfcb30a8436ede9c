import { SDK_SPANS } from '../report/report-text';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format a service serves on /metrics. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The counters a report compares between the start and end of a phase. */
export function isCounterOfInterest(name: string): boolean {
  return (
    /^(shop|provider)_\w+_total$/.test(name) ||
    name === 'http_server_request_duration_count' ||
    name === SDK_SPANS
  );
}

/**
 * Sums each counter of interest over its labels: `{ shop_orders_created_total: 120, … }`. The SDK's
 * span count keeps its `error_type` apart, since exported and dropped spans mean opposite things.
 */
export function counterTotals(samples: Sample[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const sample of samples) {
    if (!isCounterOfInterest(sample.name)) continue;
    const error = sample.name === SDK_SPANS ? sample.labels.error_type : undefined;
    const key = error ? `${sample.name}{error_type="${error}"}` : sample.name;
    totals[key] = (totals[key] ?? 0) + sample.value;
  }
  return totals;
}

export function deltas(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .sort()
      .map((name) => [name, Math.round((after[name] ?? 0) - (before[name] ?? 0))]),
  );
}
