import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlags, shippedVariants } from '@incident-lab/flags';
import type { ChaosExperiment } from '@incident-lab/scenarios';
import { seededRandom } from '@incident-lab/scenarios';
import { audit } from '../audit/invariants';
import { waitForFlags } from '../clients/wait-for-flags';
import { ShopClient } from '../load/shop-client';
import { grafanaDashboardUrl, type TraceViewer, traceUrl } from '../report/links';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { waitForIdle } from '../settling/wait-for-idle';
import { waitForUnfinishedWork } from '../settling/wait-for-unfinished-work';
import { reset } from '../shop-data/data';
import { type RunningLab, startLab } from '../supervisor/lab';
import { readLabState } from '../supervisor/lab-state';
import { isReady } from '../supervisor/readiness';
import { type CheckoutEnd, type CheckoutRecord, carefulCheckout, DEFINITIVE } from './careful-client';
import {
  type ChaosPhase,
  type ChaosPhaseName,
  type ChaosReport,
  type ChaosSecond,
  judge,
} from './chaos-report';
import { describeFault, faultSchedule } from './fault-schedule';
import { FaultInjector, type FaultRecord } from './faults';

export interface ChaosSettings {
  phases: ChaosPhaseName[];
  checkouts: number;
  ratePerS: number;
  seed: number;
  brokerRestart: boolean;
  traces: TraceViewer;
  grafanaUrl: string;
  log: (line: string) => void;
  /** The live status line (rewritten in place on a terminal); '' ends it. */
  progress: (line: string) => void;
}

const ENDS: CheckoutEnd[] = ['paid', 'failed', 'refused', 'accepted-then-failed', 'pending', 'gave-up'];

/**
 * Runs the experiment's phases on a supervised lab and returns the report. Uses the lab `lab up`
 * runs on this machine, or starts one for the run (and stops it after); the flag file is put back
 * as it was, even on failure or Ctrl-C.
 */
export async function runChaos(
  lab: LabOptions,
  experiment: ChaosExperiment,
  settings: ChaosSettings,
): Promise<ChaosReport> {
  const report: ChaosReport = {
    experiment: experiment.name,
    title: experiment.title,
    summary: experiment.summary,
    seed: settings.seed,
    checkouts: settings.checkouts,
    ratePerS: settings.ratePerS,
    startedAt: new Date().toISOString(),
    phases: {},
    notes: [],
  };
  const flagsBefore = await readFile(lab.flagFile, 'utf8');
  const rollback = () => writeFile(lab.flagFile, flagsBefore);
  let started: RunningLab | undefined;
  // Ctrl-C: the flags as they were, the lab started for the run stopped, then out.
  const onSignal = () =>
    void rollback()
      .then(() => started?.stop())
      .finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    started = await supervisedLab(lab, settings.log);
    if (started)
      report.notes.push('The lab was started for this run (under its supervisor) and stopped after it.');
    for (const phase of settings.phases) {
      report.phases[phase] = await runChaosPhase(lab, experiment, settings, phase);
    }
    return report;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await rollback();
    await started?.stop();
  }
}

/**
 * Chaos kills processes and expects them back, so the lab must run under a supervisor on this
 * machine: `lab up`'s, or one started here. A lab without one (under docker compose) is refused.
 */
async function supervisedLab(lab: LabOptions, say: (line: string) => void): Promise<RunningLab | undefined> {
  const services = labServices(lab);
  const up = await Promise.all(services.map((service) => isReady(service.url)));
  const supervised = await readLabState(lab.stateDir);
  if (supervised) return undefined;
  if (up.some(Boolean)) {
    throw new Error(
      `services answer at ${services[0]?.url}… but no supervisor of lab "${lab.namespace}" runs on this machine ` +
        '(docker compose?). lab chaos kills processes and needs them restarted: stop that lab and let lab chaos ' +
        'start its own, or start it with `npx lab up`.',
    );
  }
  say('The lab is not running: starting it under a supervisor for this run (it stops afterwards).');
  return startLab(lab);
}

async function runChaosPhase(
  lab: LabOptions,
  experiment: ChaosExperiment,
  settings: ChaosSettings,
  name: ChaosPhaseName,
): Promise<ChaosPhase> {
  const say = settings.log;
  const services = labServices(lab);
  say(`\n── phase ${name} ──`);
  await waitForIdle(services, say);
  await reset(lab);
  // Every flag set: shipped (every fault and fix off) under the experiment's shop and phase.
  const flags = { ...shippedVariants(), ...experiment.shop, ...experiment.phases[name] };
  const changed = await setFlags(lab.flagFile, flags);
  say('waiting until every service applies the phase’s flags…');
  await waitForFlags(services, changed);
  const shop = new ShopClient(services[0]?.url as string, experiment.client.attemptTimeoutMs);
  await shop.loginAll();

  const loadS = settings.checkouts / settings.ratePerS;
  const schedule = faultSchedule(experiment, { ...settings, loadS });
  say(
    `${settings.checkouts} checkouts over ~${Math.round(loadS)} s; faults: ${schedule.map((each) => `${each.atS}s ${describeFault(each.fault)}`).join(', ')}`,
  );
  const startedAt = new Date();
  const loadStart = performance.now();
  const injector = new FaultInjector(lab, loadStart);
  const faults: FaultRecord[] = [];
  const faultRuns = schedule.map(async ({ atS, fault }) => {
    await sleep(atS * 1000);
    try {
      const record = await injector.inject(fault);
      faults.push(record);
      say(`fault at ${record.atS}s: ${record.fault}: ${record.detail}${recoveryText(record)}`);
    } catch (error) {
      say(`fault ${describeFault(fault)} could not be carried out: ${(error as Error).message}`);
    }
  });

  const records: CheckoutRecord[] = [];
  const random = seededRandom(settings.seed * 131 + 7);
  const checkouts: Array<Promise<void>> = [];
  const ticker = setInterval(
    () =>
      settings.progress(
        progressLine(name, loadStart, records, checkouts.length, faults.length, schedule.length),
      ),
    1_000,
  );
  for (let index = 0, atMs = 0; index < settings.checkouts; index++) {
    atMs += (-Math.log(1 - random()) / settings.ratePerS) * 1000;
    const pick = Math.floor(random() * 1_000_000);
    const wait = atMs - (performance.now() - loadStart);
    if (wait > 0) await sleep(wait);
    checkouts.push(
      carefulCheckout(shop, experiment.client, { index, pick }, loadStart).then(
        (record) => void records.push(record),
      ),
    );
  }
  await Promise.all([...checkouts, ...faultRuns]);
  clearInterval(ticker);
  settings.progress('');
  const finishedAt = new Date();
  say(
    `load done: ${records.length} checkouts answered or given up, ${faults.length} faults; letting the shop settle…`,
  );
  const settled = await waitForUnfinishedWork(lab, services, experiment.settleS, say);

  // What each customer who was told "accepted" finds now that the shop has settled.
  const acceptedThenLost: string[] = [];
  for (const record of records.filter((each) => each.accepted && each.orderId)) {
    const status = await shop.orderStatus(record.pick, record.orderId as string);
    if (status !== 'PAID') acceptedThenLost.push(record.orderId as string);
  }
  const findings = await audit(lab);
  const ends = Object.fromEntries(
    ENDS.map((end) => [end, records.filter((r) => r.end === end).length]),
  ) as Record<CheckoutEnd, number>;
  const phase: Omit<ChaosPhase, 'hypothesis'> = {
    flags,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    loadS: Math.round(loadS),
    faults: faults.sort((a, b) => a.atS - b.atS),
    clients: {
      checkouts: records.length,
      ends,
      definitiveShare: records.filter((r) => DEFINITIVE.includes(r.end)).length / Math.max(1, records.length),
      attempts: records.reduce((sum, r) => sum + r.attempts.length, 0),
      acceptedThenLost: acceptedThenLost.sort(),
      gaveUp: records.filter((r) => r.end === 'gave-up').map((r) => r.key),
    },
    timeline: timeline(records),
    settle: settled,
    invariants: findings.counts,
    findings: findings.findings,
    services: serviceRecoveries(faults),
    links: {
      grafana: grafanaDashboardUrl(settings, 'incident-lab-overview', startedAt, new Date()),
      traces: {
        viewer: settings.traces.name,
        // Every checkout that did not end PAID: a lost sale, a broken promise, a client that gave up.
        failed: records
          .filter((r) => r.end !== 'paid')
          .flatMap((r) => (r.traceId ? [traceUrl(settings, r.traceId)] : []))
          .slice(0, 10),
      },
    },
  };
  const hypothesis = judge(experiment, phase);
  say(`phase ${name}: hypothesis ${hypothesis.passed ? 'HOLDS' : 'FAILS'}`);
  return { ...phase, hypothesis };
}

function recoveryText(record: FaultRecord): string {
  if (record.recoveries.length === 0) return '';
  const parts = record.recoveries.map(
    (each) => `${each.service} ${each.ms === null ? 'NOT back' : `${(each.ms / 1000).toFixed(1)} s`}`,
  );
  return `; ready again: ${parts.join(', ')}`;
}

function progressLine(
  phase: string,
  loadStart: number,
  records: CheckoutRecord[],
  sent: number,
  faultsDone: number,
  faults: number,
): string {
  const count = (end: CheckoutEnd) => records.filter((r) => r.end === end).length;
  return [
    `[chaos ${phase}]`,
    `${Math.round((performance.now() - loadStart) / 1000)} s`,
    `${sent} checkouts sent`,
    `${records.length} done (${count('paid')} paid, ${count('failed')} failed, ${count('gave-up')} gave up)`,
    `${sent - records.length} in flight`,
    `faults ${faultsDone}/${faults}`,
  ].join('  ');
}

/** Per second of the load, what the attempts got back. */
function timeline(records: CheckoutRecord[]): ChaosSecond[] {
  const seconds: ChaosSecond[] = [];
  for (const attempt of records.flatMap((r) => r.attempts)) {
    const s = Math.floor(attempt.atMs / 1000);
    for (let i = seconds.length; i <= s; i++)
      seconds.push({ s: i, accepted: 0, refused: 0, inFlight: 0, failed: 0 });
    const second = seconds[s] as ChaosSecond;
    const result = attempt.result;
    if (result === 201 || result === 202) second.accepted++;
    else if (result === 409) second.inFlight++;
    else if (typeof result === 'number' && result < 500) second.refused++;
    else second.failed++;
  }
  return seconds;
}

function serviceRecoveries(faults: FaultRecord[]): ChaosPhase['services'] {
  const byService = new Map<string, Array<number | null>>();
  for (const { service, ms } of faults.flatMap((fault) => fault.recoveries))
    byService.set(service, [...(byService.get(service) ?? []), ms]);
  return [...byService].map(([service, times]) => ({
    service,
    stops: times.length,
    slowestRecoveryMs: times.includes(null) ? null : Math.max(...(times as number[])),
  }));
}
