import path from 'node:path';
import { parseArgs } from 'node:util';
import { capacity } from '@incident-lab/scenarios';
import type { CapacityPhaseName } from '../capacity/capacity-report';
import { DRIVER_LAG_MS } from '../capacity/capacity-steps';
import { writeCapacityReport } from '../capacity/render-capacity';
import { runCapacity } from '../capacity/run-capacity';
import { chooseTraceViewer } from '../clients/trace-viewer';
import { consoleUrl, type LabOptions } from '../settings/lab-options';
import { positiveInteger, UsageError, usage } from './args';
import { liveOutput } from './live-output';

const { stepUp, overload } = capacity;
/** More than one machine's load generator could send from one Node process; the search stops before. */
const MAX_RATE = 1_000;

export const capacityHelp = `lab capacity [--phase broken|fixed|both] [--start R] [--max-rate R] [--step-s S]
             [--overload-s S] [--seed N] [--out DIR] [--json FILE]
  How much the shop holds, and what it does beyond it. Open-model load (arrivals at a rate, whatever the
  shop answers; ${Object.entries(capacity.mix)
    .map(([endpoint, share]) => `${Math.round((share ?? 0) * 100)} % ${endpoint}`)
    .join(', ')}; nobody retries) steps up by ×${stepUp.growth}
  until a step misses the objective: p99 of successful requests ≤ ${capacity.objective.latencyMs} ms, errors other than
  shedding < ${capacity.objective.maxErrorShare * 100} %, shed (503) < ${capacity.objective.maxShedShare * 100} %. The last step that kept it is the capacity. Then
  ${overload.factors.join('× and ')}× of it for --overload-s each and ${overload.afterFactor}× after: per step offered, served (2xx within
  ${capacity.objective.latencyMs} ms), p50/p99, shed, timed out, failed; the time until every second is healthy again; the
  audit. Claims: goodput at ${Math.max(...overload.factors)}× ≥ ${capacity.claims.goodputShareAtPeak * 100} % of capacity, healthy again within ${capacity.claims.recoveryS} s, nobody charged
  twice. report.json, report.md and report.html (goodput against offered load, broken beside fixed) go to
  DIR/capacity-<time>/ (default ./reports).
  --phase       broken (every fix off), fixed (every fix on) or both (default both: fixed first, and the
                broken shop is offered the overload sized from the fixed shop's capacity)
  --start       the search's first rate, requests a second (default ${stepUp.startPerS})
  --max-rate    where the search stops if no step missed (default ${stepUp.maxPerS}, at most ${MAX_RATE})
  --step-s      seconds per step of the search (default ${stepUp.stepS}, 3 to 300)
  --overload-s  seconds at each overload factor (default ${overload.stepS}, 5 to 600); ${overload.afterFactor}× runs half as long
  --seed        the arrivals and the customers (default 1)
  A step whose requests the load generator sent more than ${DRIVER_LAG_MS} ms late (p99) did not offer its rate: the
  search stops there and says so (the machine, not the shop, was the limit).
  Uses the lab if it is up, or starts it for the run. Takes about 6 minutes a phase with the defaults.
  Exit 1 when a claim of the fixed phase failed (the broken phase is expected to fail them), else 0.`;

function rate(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0 && number <= MAX_RATE))
    throw new UsageError(
      `${name} must be requests per second, above 0 and at most ${MAX_RATE} (more than one load generator on this machine can send), got "${value}"`,
    );
  return number;
}

function seconds(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const number = positiveInteger(value, name, fallback);
  if (number < min || number > max)
    throw new UsageError(`${name} must be whole seconds from ${min} to ${max}, got "${value}"`);
  return number;
}

export async function capacityCommand(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: {
        phase: { type: 'string' },
        start: { type: 'string' },
        'max-rate': { type: 'string' },
        'step-s': { type: 'string' },
        'overload-s': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'string' },
      },
      strict: true,
    }),
  );
  const phase = values.phase ?? 'both';
  if (!['broken', 'fixed', 'both'].includes(phase))
    throw new UsageError(`--phase must be broken, fixed or both, got "${phase}"`);
  const startPerS = rate(values.start, '--start', stepUp.startPerS);
  const maxPerS = rate(values['max-rate'], '--max-rate', Math.max(stepUp.maxPerS, startPerS));
  if (maxPerS < startPerS)
    throw new UsageError(`--max-rate (${maxPerS}) must be at least --start (${startPerS})`);
  const overloadS = seconds(values['overload-s'], '--overload-s', overload.stepS, 5, 600);
  const experiment = {
    ...capacity,
    stepUp: {
      ...stepUp,
      startPerS,
      maxPerS,
      stepS: seconds(values['step-s'], '--step-s', stepUp.stepS, 3, 300),
    },
    overload: { ...overload, stepS: overloadS, afterS: Math.max(5, Math.round(overloadS / 2)) },
  };
  const report = await runCapacity(options, {
    phases: phase === 'both' ? ['fixed', 'broken'] : [phase as CapacityPhaseName],
    experiment,
    seed: positiveInteger(values.seed, '--seed', 1),
    traces: await chooseTraceViewer(options.observability.jaegerUrl, consoleUrl(options)),
    grafanaUrl: options.observability.grafanaUrl,
    ...liveOutput(),
  });
  const dir = await writeCapacityReport(report, path.resolve(values.out ?? 'reports'), values.json);
  console.log('');
  for (const [name, result] of Object.entries(report.phases)) {
    const failed = result.claims.filter((claim) => !claim.passed);
    console.log(
      `${name.padEnd(7)} capacity ${result.capacityPerS ?? '—'} req/s; ${result.passed ? 'HOLDS' : 'FAILS'}${failed.length ? `: ${failed.map((claim) => `✗ ${claim.name} (${claim.value}, limit ${claim.limit})`).join('; ')}` : ': every claim held'}`,
    );
  }
  console.log(`\nReport: ${path.join(dir, 'report.html')} (also report.md, report.json)`);
  return report.phases.fixed && !report.phases.fixed.passed ? 1 : 0;
}
