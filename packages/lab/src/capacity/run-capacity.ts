import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { setFlags, shippedVariants } from '@incident-lab/flags';
import { type Arrival, arrivals, type CapacityExperiment, scaleRates } from '@incident-lab/scenarios';
import { audit } from '../audit/invariants';
import { waitForFlags } from '../clients/wait-for-flags';
import { driveLoad } from '../load/drive-load';
import { ShopClient } from '../load/shop-client';
import type { RequestResult } from '../load/stats';
import { grafanaDashboardUrl, type TraceViewer, traceUrl } from '../report/links';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { cancelLeftoverQueries } from '../settling/leftover-queries';
import { waitForIdle } from '../settling/wait-for-idle';
import { waitForUnfinishedWork } from '../settling/wait-for-unfinished-work';
import { reset } from '../shop-data/data';
import { type RunningLab, startLab } from '../supervisor/lab';
import { isReady } from '../supervisor/readiness';
import {
  type CapacityPhase,
  type CapacityPhaseName,
  type CapacityReport,
  judgeCapacity,
  type OverloadSecond,
} from './capacity-report';
import {
  capacityOf,
  DRIVER_LAG_MS,
  recoveryS,
  type StepResult,
  searchRates,
  summarizeStep,
} from './capacity-steps';

export interface CapacitySettings {
  /** In the order they run: fixed first when both, so the broken shop is offered the same overload. */
  phases: CapacityPhaseName[];
  experiment: CapacityExperiment;
  seed: number;
  traces: TraceViewer;
  grafanaUrl: string;
  log: (line: string) => void;
  /** The live status line (rewritten in place on a terminal); '' ends it. */
  progress: (line: string) => void;
}

/** Unmeasured load at the first step's rate before the search: pools, caches and JIT warm. */
const WARMUP_S = 5;
/** After the load, how long the shop may take to settle before it is audited, in seconds. */
const SETTLE_S = 180;

/**
 * Runs each phase's search and overload on the lab and returns the report. Uses the lab if it is up,
 * or starts it for the run and stops it after; the flag file is put back as it was, even on Ctrl-C.
 */
export async function runCapacity(lab: LabOptions, settings: CapacitySettings): Promise<CapacityReport> {
  const { experiment } = settings;
  const report: CapacityReport = {
    experiment: experiment.name,
    title: experiment.title,
    summary: experiment.summary,
    seed: settings.seed,
    startedAt: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), node: process.version },
    settings: {
      mix: experiment.mix,
      objective: experiment.objective,
      stepUp: experiment.stepUp,
      overload: experiment.overload,
      clientTimeoutMs: experiment.clientTimeoutMs,
    },
    phases: {},
    notes: [
      'The load generator runs in this process, on the same machine as the shop: its own CPU is part of the cost.',
    ],
  };
  const flagsBefore = await readFile(lab.flagFile, 'utf8');
  const rollback = () => writeFile(lab.flagFile, flagsBefore);
  let started: RunningLab | undefined;
  const onSignal = () =>
    void rollback()
      .then(() => started?.stop())
      .finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const up = await Promise.all(labServices(lab).map((service) => isReady(service.url)));
    if (!up.every(Boolean)) {
      settings.log('The lab is not running: starting it for this run (it stops afterwards).');
      started = await startLab(lab);
      report.notes.push('The lab was started for this run and stopped after it.');
    }
    let base: number | undefined;
    for (const name of settings.phases) {
      const phase = await runCapacityPhase(lab, settings, name, base, report.notes);
      report.phases[name] = phase;
      base ??= phase.capacityPerS;
    }
    if (report.phases.fixed && report.phases.broken)
      report.notes.push(
        'Both phases were offered the overload sized from the fixed shop’s capacity, so their curves meet the same demand.',
      );
    return report;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await rollback();
    await started?.stop();
  }
}

async function runCapacityPhase(
  lab: LabOptions,
  settings: CapacitySettings,
  name: CapacityPhaseName,
  sizedFrom: number | undefined,
  notes: string[],
): Promise<CapacityPhase> {
  const { experiment, seed } = settings;
  const say = settings.log;
  const services = labServices(lab);
  say(`\n── phase ${name} ──`);
  await waitForIdle(services, say, { cancelLeftovers: () => cancelLeftoverQueries(lab) });
  await reset(lab);
  const flags = { ...shippedVariants(), ...experiment.phases[name] };
  say('waiting until every service applies the phase’s flags…');
  await waitForFlags(services, await setFlags(lab.flagFile, flags));
  const shop = new ShopClient(services[0]?.url as string, experiment.clientTimeoutMs);
  await shop.loginAll();
  const startedAt = new Date();
  const all: RequestResult[] = [];
  let drives = 0;

  /** Drives `acts` back to back as one open-model load; returns each act's results and lateness. */
  const drive = async (label: string, acts: Array<{ ratePerS: number; durationS: number }>) => {
    const timeline: Arrival[] = [];
    let offsetMs = 0;
    drives++;
    for (const [index, act] of acts.entries()) {
      const rates = scaleRates(experiment.mix, act.ratePerS);
      for (const arrival of arrivals(rates, act.durationS, seed * 977 + drives * 31 + index))
        timeline.push({ ...arrival, atMs: arrival.atMs + offsetMs });
      offsetMs += act.durationS * 1000;
    }
    const late: number[] = [];
    const results = await driveLoad({
      client: shop,
      arrivals: timeline,
      warmupMs: 0,
      totalMs: offsetMs,
      behaviour: { onFailure: 'give-up' },
      onSent: (_, lateMs) => late.push(lateMs),
      onProgress: (progress) =>
        settings.progress(
          `[capacity ${name}] ${label}  ${Math.round(progress.elapsedS)}/${Math.round(progress.totalS)} s  ${progress.requests} answered, ${progress.failed} not 2xx, ${progress.inFlight} in flight`,
        ),
    });
    settings.progress('');
    all.push(...results);
    // Each act's share of the results and of the lateness, by when they were due.
    let fromMs = 0;
    return acts.map((act) => {
      const toMs = fromMs + act.durationS * 1000;
      const mine = results
        .filter((result) => result.startMs >= fromMs && result.startMs < toMs)
        .map((result) => ({ ...result, startMs: result.startMs - fromMs }));
      const dueLate = late.filter((_, i) => {
        const at = (timeline[i] as Arrival).atMs;
        return at >= fromMs && at < toMs;
      });
      fromMs = toMs;
      return { results: mine, late: dueLate };
    });
  };

  await drive('warm-up', [{ ratePerS: experiment.stepUp.startPerS, durationS: WARMUP_S }]);
  all.length = 0;
  const search: StepResult[] = [];
  for (const rate of searchRates(experiment.stepUp)) {
    const [step] = await drive(`step ${rate}/s`, [{ ratePerS: rate, durationS: experiment.stepUp.stepS }]);
    const result = summarizeStep(
      { name: `${rate}/s`, kind: 'search', offeredPerS: rate, durationS: experiment.stepUp.stepS },
      step?.results ?? [],
      step?.late ?? [],
      experiment.objective,
    );
    search.push(result);
    say(
      `${result.name.padStart(8)}: served ${result.goodputPerS}/s, p99 ${result.p99Ms} ms, shed ${result.shed}, failed ${result.errors + result.timeouts}${result.withinObjective ? '' : `  ✗ ${result.missed.join('; ')}`}`,
    );
    if (!result.withinObjective) break;
  }
  const capacityPerS = capacityOf(search);
  const lastStep = search.at(-1);
  if (lastStep && lastStep.lateP99Ms > DRIVER_LAG_MS) {
    const line = `the load generator could not send ${lastStep.offeredPerS} req/s on time on this machine (p99 ${lastStep.lateP99Ms} ms late): the machine, not the ${name} shop, was the limit, and its capacity is at least ${capacityPerS ?? 0} req/s`;
    say(line);
    notes.push(line);
  }
  const base = sizedFrom ?? capacityPerS;
  say(
    capacityPerS === undefined
      ? 'capacity: even the first step missed the objective'
      : `capacity: ${capacityPerS} req/s${base !== capacityPerS ? `; the overload is sized from the fixed shop’s ${base} req/s` : ''}`,
  );

  let overload: StepResult[] = [];
  let recovery: number | null = null;
  let timeline: OverloadSecond[] = [];
  if (base !== undefined) {
    const { factors, stepS, afterFactor, afterS } = experiment.overload;
    const plan = [
      ...factors.map((factor) => ({
        name: `${factor}×`,
        kind: 'overload' as const,
        offeredPerS: round(base * factor),
        durationS: stepS,
      })),
      {
        name: `${afterFactor}× after`,
        kind: 'after' as const,
        offeredPerS: round(base * afterFactor),
        durationS: afterS,
      },
    ];
    const driven = await drive(
      'overload',
      plan.map((step) => ({ ratePerS: step.offeredPerS, durationS: step.durationS })),
    );
    overload = plan.map((step, i) =>
      summarizeStep(step, driven[i]?.results ?? [], driven[i]?.late ?? [], experiment.objective),
    );
    for (const step of overload)
      say(
        `${step.name.padStart(8)} (${step.offeredPerS}/s): served ${step.goodputPerS}/s, p99 ${step.p99Ms} ms, shed ${step.shed}, failed ${step.errors + step.timeouts}`,
      );
    const after = driven.at(-1);
    recovery = recoveryS(after?.results ?? [], afterS, experiment.objective, experiment.healthySecondShare);
    say(`healthy again ${recovery === null ? `not within ${afterS} s` : `${recovery} s`} after the overload`);
    const behind = overload.filter((step) => step.lateP99Ms > DRIVER_LAG_MS);
    if (behind.length)
      notes.push(
        `${name}: the load generator fell behind during ${behind.map((step) => step.name).join(', ')} (sent late, p99 over ${DRIVER_LAG_MS} ms): those steps offered less than planned; see their "sent /s".`,
      );
    timeline = perSecond(driven, plan, experiment.objective.latencyMs);
  }
  const finishedAt = new Date();

  say('letting the shop settle before the audit…');
  await waitForUnfinishedWork(lab, services, SETTLE_S, say);
  const findings = await audit(lab);
  const phase = {
    flags,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    search,
    ...(capacityPerS === undefined ? {} : { capacityPerS }),
    ...(base === undefined ? {} : { overloadBasePerS: base }),
    overload,
    recoveryS: recovery,
    timeline,
    invariants: findings.counts,
  };
  const claims = judgeCapacity(experiment, phase);
  const traced = all.filter((result) => result.traceId);
  const slowest = [...traced].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 5);
  const failed = traced.filter((result) => result.outcome !== 'ok' && result.status !== 503).slice(0, 5);
  const passed = claims.every((claim) => claim.passed);
  say(`phase ${name}: ${passed ? 'HOLDS' : 'FAILS'}`);
  return {
    ...phase,
    claims,
    passed,
    links: {
      grafana: grafanaDashboardUrl(settings, 'incident-lab-overview', startedAt, finishedAt),
      slowestTraces: slowest.map((result) => traceUrl(settings, result.traceId as string)),
      failedTraces: failed.map((result) => traceUrl(settings, result.traceId as string)),
    },
  };
}

function round(rate: number): number {
  return Math.round(rate * 10) / 10;
}

/** The overload second by second: offered, served within the objective, shed and failed. */
function perSecond(
  driven: Array<{ results: RequestResult[] }>,
  plan: Array<{ offeredPerS: number; durationS: number }>,
  latencyMs: number,
): OverloadSecond[] {
  const seconds: OverloadSecond[] = [];
  let offset = 0;
  for (const [i, step] of plan.entries()) {
    const results = driven[i]?.results ?? [];
    for (let s = 0; s < step.durationS; s++) {
      const inSecond = results.filter((result) => Math.floor(result.startMs / 1000) === s);
      const served = inSecond.filter((result) => result.outcome === 'ok' && result.latencyMs <= latencyMs);
      seconds.push({
        s: offset + s,
        offered: inSecond.length,
        served: served.length,
        shed: inSecond.filter((result) => result.status === 503).length,
        failed: inSecond.filter((result) => result.outcome !== 'ok' && result.status !== 503).length,
      });
    }
    offset += step.durationS;
  }
  return seconds;
}
