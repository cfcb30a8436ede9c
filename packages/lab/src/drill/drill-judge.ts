import type { DrillFault, Probe } from '@incident-lab/scenarios';
import type { Audit } from '../audit/invariants';
import type { Sample } from '../clients/prometheus-text';
import { evaluateHypothesis } from '../load/hypothesis';
import { summarize } from '../load/stats';
import type { ProbeResult } from '../report/report';
import type { DrillRequest } from './drill-traffic';

/**
 * The requests of a window are those sent 30–10 s ago: by now nearly every one has its answer (a
 * client gives up on a try after 5 s and tries once more). Twenty seconds hold some forty checkouts.
 */
export const WINDOW = { fromS: 30, toS: 10 };
/** Counters move in steps (a job runs every 30 s): their window is a minute. */
const COUNTER_WINDOW_S = 60;

/** How a fault stands: not struck yet, hurting (its hypothesis fails), or mitigated (it holds again). */
export type FaultState = 'waiting' | 'hurting' | 'mitigated';

export interface FaultProgress {
  id: string;
  state: FaultState;
  /** The start of the first window in which its hypothesis failed (epoch ms). */
  hurtAtMs?: number;
  /** The start of the first of two windows in a row in which it held again, after hurting. */
  mitigatedAtMs?: number;
  /** Holding windows in a row since it last failed. */
  holding: number;
  /** The last window's verdict, probe by probe. */
  last?: ProbeResult[];
}

/** A service's counters as scraped at a moment, for `counter` measures. */
export interface CounterScrape {
  atMs: number;
  samples: Map<string, Sample[] | undefined>;
}

function counterValue(
  scrape: CounterScrape | undefined,
  measure: Extract<Probe['measure'], { kind: 'counter' }>,
) {
  const samples = scrape?.samples.get(measure.service) ?? [];
  return samples
    .filter(
      (sample) =>
        sample.name === measure.metric &&
        Object.entries(measure.labels ?? {}).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * Judges one fault's hypothesis over the window ending now, as `lab run` judges a phase: the
 * requests of the window, the audit of what was made in it, the counters' increase over the last
 * minute. Moves its state: a failing window makes it hurting; two holding windows after that make it
 * mitigated (and a failing one after, hurting again).
 */
export function judgeWindow(options: {
  fault: DrillFault;
  progress: FaultProgress;
  nowMs: number;
  /** Where the window judged starts (epoch ms): the times the verdict is dated by. */
  windowFromMs: number;
  requests: DrillRequest[];
  audit: Pick<Audit, 'counts'>;
  scrapes: CounterScrape[];
}): FaultProgress {
  const { fault, progress, nowMs } = options;
  const endpoints = summarize(options.requests.map(({ atMs: _atMs, ...request }) => request));
  const then = [...options.scrapes]
    .reverse()
    .find((scrape) => scrape.atMs <= nowMs - COUNTER_WINDOW_S * 1000);
  const latest = options.scrapes.at(-1);
  const verdict = evaluateHypothesis(fault.hypothesis, endpoints, options.audit, (measure) =>
    then && latest ? counterValue(latest, measure) - counterValue(then, measure) : 0,
  );
  // A window with no request of an endpoint a probe reads says nothing about it: not a recovery.
  const silent = fault.hypothesis.some(
    (probe) => 'endpoint' in probe.measure && !endpoints[(probe.measure as { endpoint: string }).endpoint],
  );
  const next: FaultProgress = { ...progress, last: verdict.probes };
  if (!verdict.passed) {
    next.state = 'hurting';
    next.hurtAtMs ??= options.windowFromMs;
    next.holding = 0;
    return next;
  }
  if (progress.state === 'waiting' || silent) return next;
  next.holding = progress.holding + 1;
  if (next.holding === 1) next.mitigatedAtMs = options.windowFromMs;
  if (next.holding >= 2) next.state = 'mitigated';
  return next;
}
