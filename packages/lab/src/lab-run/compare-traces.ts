import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredSpan } from '@incident-lab/console';
import type { LabReport } from '../report/report';

/**
 * The broken and fixed traces of the scenario's compare request, read from the lab console so the
 * report can draw them even when opened later without it. Spans arrive in batches a few seconds
 * after the request: each trace is read until its span count holds still. Undefined (with the
 * reason) when the console does not answer or no longer has a trace.
 */
export async function fetchComparePair(
  consoleUrl: string,
  pair: { broken: string; fixed: string },
  waitMs = 15_000,
): Promise<{ spans: { broken: StoredSpan[]; fixed: StoredSpan[] } } | { missing: string }> {
  const deadline = Date.now() + waitMs;
  const read = async (traceId: string): Promise<StoredSpan[] | undefined> => {
    let last: StoredSpan[] | undefined;
    while (Date.now() < deadline) {
      const answer = await fetch(`${consoleUrl}/api/traces/${traceId}`, {
        signal: AbortSignal.timeout(2_000),
      }).catch(() => undefined);
      if (!answer) return undefined; // no console: nothing to wait for
      const spans = answer.ok ? ((await answer.json()) as { spans: StoredSpan[] }).spans : undefined;
      if (spans && last && spans.length === last.length) return spans;
      last = spans ?? last;
      await sleep(1_000);
    }
    return last;
  };
  const [broken, fixed] = await Promise.all([read(pair.broken), read(pair.fixed)]);
  if (!broken || !fixed) {
    return {
      missing: `the lab console at ${consoleUrl} did not have both traces (${pair.broken.slice(0, 8)}, ${pair.fixed.slice(0, 8)}); the report lists their ids only`,
    };
  }
  return { spans: { broken, fixed } };
}

export type ComparePair = NonNullable<LabReport['compare']>;
