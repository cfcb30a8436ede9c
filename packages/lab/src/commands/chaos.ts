import path from 'node:path';
import { parseArgs } from 'node:util';
import { chaos } from '@incident-lab/scenarios';
import type { ChaosPhaseName } from '../chaos/chaos-report';
import { writeChaosReport } from '../chaos/render-chaos';
import { runChaos } from '../chaos/run-chaos';
import { chooseTraceViewer } from '../clients/trace-viewer';
import { consoleUrl, type LabOptions } from '../settings/lab-options';
import { positiveInteger, UsageError, usage } from './args';
import { liveOutput } from './live-output';

export const chaosHelp = `lab chaos [--phase broken|fixed|both] [--checkouts N] [--rate R] [--seed S]
          [--broker-restart] [--out DIR] [--json FILE]
  Fixed means fixed: careful clients buy (one Idempotency-Key per checkout, retried on network errors,
  5xx and 409 with backoff, jitter and Retry-After, for up to 60 s) while a seeded schedule of faults
  strikes: SIGKILL payments ×3, provider-primary ×2, invoicing ×2, storefront ×1, reconciler ×1; the
  lab's MySQL connections killed ×5 and its RabbitMQ connections closed ×3 (its own only: others on
  the same servers are untouched); a 30 s provider outage; a rolling SIGTERM restart of every service.
  Then the shop settles, is audited (lab check) and judged; report.json, report.md and report.html
  go to DIR/chaos-<time>/ (default ./reports).
  --phase      broken (every fix off), fixed (every fix on) or both (default fixed)
  --checkouts  how many checkouts (default 500); fewer scale the faults down, to one of each kind
  --rate       checkouts per second (default 5)
  --seed       the fault schedule and the customers (default 1)
  --broker-restart  also stop and start the whole RabbitMQ once: only on a machine of your own
  Needs a lab under a supervisor on this machine: the one \`lab up\` runs, or none (it starts one).
  Exit 1 when a claim of the fixed phase failed (the broken phase is expected to fail them), else 0.`;

export async function chaosCommand(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: {
        phase: { type: 'string' },
        checkouts: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        'broker-restart': { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'string' },
      },
      strict: true,
    }),
  );
  const phase = values.phase ?? 'fixed';
  if (!['broken', 'fixed', 'both'].includes(phase))
    throw new UsageError(`--phase must be broken, fixed or both, got "${phase}"`);
  const checkouts = positiveInteger(values.checkouts, '--checkouts', chaos.checkouts);
  if (checkouts < 1) throw new UsageError('--checkouts must be at least 1');
  const ratePerS = values.rate === undefined ? chaos.ratePerS : Number(values.rate);
  if (!(ratePerS > 0 && ratePerS <= 100))
    throw new UsageError(
      `--rate must be checkouts per second, above 0 and at most 100, got "${values.rate}"`,
    );
  const report = await runChaos(options, chaos, {
    phases: phase === 'both' ? ['broken', 'fixed'] : [phase as ChaosPhaseName],
    checkouts,
    ratePerS,
    seed: positiveInteger(values.seed, '--seed', 1),
    brokerRestart: values['broker-restart'] ?? false,
    traces: await chooseTraceViewer(options.observability.jaegerUrl, consoleUrl(options)),
    grafanaUrl: options.observability.grafanaUrl,
    ...liveOutput(),
  });
  const dir = await writeChaosReport(report, path.resolve(values.out ?? 'reports'), values.json);
  console.log('');
  for (const [name, result] of Object.entries(report.phases)) {
    const failed = result.hypothesis.probes.filter((probe) => !probe.passed);
    console.log(
      `${name.padEnd(7)} ${result.hypothesis.passed ? 'HOLDS' : 'FAILS'}${failed.length ? `: ${failed.map((p) => `✗ ${p.name} (${p.value}, limit ${p.limit})`).join('; ')}` : ': every claim held'}`,
    );
  }
  console.log(`\nReport: ${path.join(dir, 'report.html')} (also report.md, report.json)`);
  return report.phases.fixed && !report.phases.fixed.hypothesis.passed ? 1 : 0;
}
