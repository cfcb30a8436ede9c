import type { SignalsView } from '../api-types';
import { FIRING_ALERTS, LAB_CHARTS, type SeriesSpec } from './lab-charts';
import type { MetricSample } from './metric-sample';

/** Each service's samples at one instant; a service that did not answer is missing. */
export type Scrape = Map<string, MetricSample[]>;

export interface SignalSource {
  namespace: string;
  scrapeAll(): Promise<Scrape>;
  /** How many alerts fire in the lab's Prometheus; undefined when none is configured. */
  firingAlerts?(): Promise<number | undefined>;
}

/**
 * Scrapes every service once a second and keeps the last `keep` points of every lab's series, so a
 * chart opened mid-run shows the minutes before it. Rates and p95s come from the difference between
 * two consecutive scrapes; a service that did not answer leaves a gap rather than a false zero.
 */
export class SignalRecorder {
  private times: number[] = [];
  private values = new Map<string, Array<number | null>>();
  private marks: Array<{ time: number; text: string }> = [];
  private previous?: { at: number; scrape: Scrape };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: SignalSource,
    private readonly keep = 600,
  ) {}

  start(intervalMs = 1_000): void {
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return; // a slow scrape (the storm) skips a tick instead of piling up
      busy = true;
      void this.tick()
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Marks a moment on every chart: a flag change, the start of a run's act. */
  mark(text: string, at = Date.now()): void {
    this.marks.push({ time: at / 1000, text });
    if (this.marks.length > 200) this.marks.shift();
  }

  async tick(): Promise<void> {
    const at = Date.now();
    const [scrape, firing] = await Promise.all([
      this.source.scrapeAll(),
      this.source.firingAlerts?.().catch(() => undefined),
    ]);
    if (firing !== undefined) scrape.set('prometheus', [{ name: FIRING_ALERTS, labels: {}, value: firing }]);
    const previous = this.previous;
    this.previous = { at, scrape };
    if (!previous) return;
    const seconds = (at - previous.at) / 1000;
    this.times.push(at / 1000);
    for (const [lab, charts] of Object.entries(LAB_CHARTS)) {
      for (const chart of charts) {
        for (const spec of chart.series) {
          const key = `${lab}/${chart.id}/${spec.label}`;
          const values = this.values.get(key) ?? new Array(this.times.length - 1).fill(null);
          values.push(this.read(spec, previous.scrape, scrape, seconds));
          this.values.set(key, values);
        }
      }
    }
    if (this.times.length > this.keep) {
      this.times.shift();
      for (const values of this.values.values()) values.shift();
    }
    const first = this.times[0] ?? 0;
    this.marks = this.marks.filter((mark) => mark.time >= first - 1);
  }

  view(lab: string): SignalsView | undefined {
    const charts = LAB_CHARTS[lab];
    if (!charts) return undefined;
    return {
      lab,
      times: [...this.times],
      charts: charts.map((chart) => ({
        id: chart.id,
        title: chart.title,
        unit: chart.unit,
        series: chart.series.map((spec) => ({
          label: spec.label,
          tone: spec.tone ?? 'neutral',
          values: [...(this.values.get(`${lab}/${chart.id}/${spec.label}`) ?? [])],
        })),
      })),
      marks: [...this.marks],
    };
  }

  private read(spec: SeriesSpec, before: Scrape, now: Scrape, seconds: number): number | null {
    const labels = Object.fromEntries(
      Object.entries(spec.labels ?? {}).map(([key, value]) => [
        key,
        value.replace('{ns}', this.source.namespace),
      ]),
    );
    const pick = (scrape: Scrape, name: string) => {
      const services = spec.service ? [spec.service] : [...scrape.keys()];
      const found = services.filter((service) => scrape.has(service));
      if (found.length === 0) return undefined;
      return found.flatMap((service) =>
        (scrape.get(service) ?? []).filter(
          (sample) =>
            sample.name === name &&
            Object.entries(labels).every(([k, v]) => labelMatches(sample.labels[k], v)),
        ),
      );
    };
    if (spec.read === 'gauge') {
      const samples = pick(now, spec.metric);
      return samples && samples.length > 0 ? sum(samples) : null;
    }
    if (spec.read === 'rate') {
      const after = pick(now, spec.metric);
      const earlier = pick(before, spec.metric);
      if (!after || !earlier) return null;
      // A restarted service starts its counters at 0 again: count what it did since, not a negative rate.
      const delta = sum(after) - sum(earlier);
      return round((delta >= 0 ? delta : sum(after)) / seconds);
    }
    return p95Ms(pick(before, `${spec.metric}_bucket`), pick(now, `${spec.metric}_bucket`));
  }
}

/** A label value as a series spec names it: exactly, or by prefix when it ends in `*`. */
function labelMatches(value: string | undefined, wanted: string): boolean {
  if (value === undefined) return false;
  return wanted.endsWith('*') ? value.startsWith(wanted.slice(0, -1)) : value === wanted;
}

function sum(samples: MetricSample[]): number {
  return samples.reduce((total, sample) => total + sample.value, 0);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The p95 of the requests that finished between two scrapes, from the difference of their
 * cumulative buckets (summed over status codes and methods), interpolated inside the bucket as
 * Prometheus' histogram_quantile does. null when nothing finished.
 */
export function p95Ms(before: MetricSample[] | undefined, after: MetricSample[] | undefined): number | null {
  if (!after) return null;
  const buckets = new Map<number, number>();
  for (const sample of after) {
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  for (const sample of before ?? []) {
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) - sample.value);
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = 0.95 * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return round(lower * 1000);
      return round((lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1e-9)) * 1000);
    }
    lower = le;
    below = count;
  }
  return null;
}
