import { readFile, writeFile } from 'node:fs/promises';
import { shippedVariants } from '@incident-lab/flags';
import type { Scenario } from '@incident-lab/scenarios';
import { countHistory } from '@incident-lab/storefront/seed';
import { traceUrl } from '../report/links';
import type { LabReport, LadderRung, PhaseReport } from '../report/report';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { seed, withPool } from '../shop-data/data';
import { type RunningLab, startLab } from '../supervisor/lab';
import { isReady } from '../supervisor/readiness';
import { fetchComparePair } from './compare-traces';
import { runPhase } from './run-phase';
import type { RunPlan } from './run-plan';
import { actsToRun, type RunSettings } from './run-settings';

/**
 * Runs a scenario's phases and returns the report. Uses the lab if it is up, or starts it for the
 * run and stops it after. The flag file is restored to what it was before, even on failure or Ctrl-C.
 */
export async function runLab(lab: LabOptions, plan: RunPlan, settings: RunSettings): Promise<LabReport> {
  const report: LabReport = {
    lab: plan.scenario.name,
    title: plan.scenario.title,
    summary: plan.scenario.summary,
    seed: settings.seed,
    startedAt: new Date().toISOString(),
    load: {
      acts: actsToRun(plan.scenario, settings),
      clientTimeoutMs: plan.scenario.load.clientTimeoutMs,
      client: JSON.stringify(settings.client ?? plan.scenario.load.client),
    },
    phases: {},
    ...(plan.scenario.phaseNames ? { phaseNames: plan.scenario.phaseNames } : {}),
    notes: [],
  };
  const flagsBefore = await readFile(lab.flagFile, 'utf8');
  // What the scenario does not set is as shipped, whatever a learner left on; theirs come back after.
  const baseline = shippedVariants();
  const rollback = () => writeFile(lab.flagFile, flagsBefore);
  let started: RunningLab | undefined;
  let startedConsole: Awaited<ReturnType<NonNullable<RunSettings['startConsole']>>>;
  // Ctrl-C: the flags as they were, the lab started for the run stopped, then out.
  const onSignal = () =>
    void rollback()
      .then(() => started?.stop())
      .then(() => startedConsole?.stop())
      .finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const up = await Promise.all(labServices(lab).map((service) => isReady(service.url)));
    if (!up.every(Boolean)) {
      settings.log(
        'The lab is not running: starting it and its console for this run (they stop afterwards).',
      );
      // As `lab up` does: the services' spans go to the console, so the report gets its broken and
      // fixed traces and the SDKs' span counts mean something.
      startedConsole = await settings.startConsole?.();
      started = await startLab(
        lab,
        startedConsole ? { serviceEnv: startedConsole.serviceEnv, hideDebug: true } : {},
      );
      report.notes.push(
        `The lab was started for this run${startedConsole ? ', with its console,' : ''} and stopped after it.`,
      );
    }
    // The report's cost depends on the history: make it exactly what the scenario is measured with.
    const wanted = plan.scenario.seedOrders;
    let history = await withPool(lab, 'storefront', countHistory);
    if (wanted > 0 && history !== wanted) {
      settings.log(`Setting the history to the ${wanted} paid orders the scenario needs…`);
      history = (await seed(lab, wanted)).historyNow;
    }
    report.notes.push(`History: ${history} paid orders (what the sales report scans).`);
    for (const [index, phase] of plan.phases.entries()) {
      if (phase.rung) settings.log(`\nthe fix ladder, rung ${index + 1} of ${plan.phases.length}`);
      const result = await runPhase(lab, plan.scenario, settings, { ...phase, baseline });
      // A ladder's middle rungs are summed up in the ladder; broken and fixed keep their whole phase.
      if (!plan.ladder || phase.name !== 'custom') report.phases[phase.name] = result;
      if (phase.rung) report.ladder = [...(report.ladder ?? []), rungOf(phase.rung, result)];
    }
    await addComparePair(report, plan.scenario, settings);
    return report;
  } finally {
    process.removeListener('SIGINT', onSignal);
    await rollback();
    await started?.stop();
    await startedConsole?.stop();
  }
}

function rungOf(name: string, phase: PhaseReport): LadderRung {
  return {
    name,
    flags: phase.flags,
    hypothesis: phase.hypothesis,
    invariants: phase.invariants,
    served: phase.server.storefront?.http_server_request_duration_count ?? 0,
    ...(phase.repair ? { repairs: phase.repair.actions } : {}),
    startedAt: phase.startedAt,
    finishedAt: phase.finishedAt,
    links: phase.links,
  };
}

/** The broken and fixed traces of the scenario's compare request, with their spans when the console has them. */
async function addComparePair(report: LabReport, scenario: Scenario, settings: RunSettings): Promise<void> {
  const broken = report.phases.broken?.traces.key;
  const fixed = report.phases.fixed?.traces.key;
  if (!scenario.compare || !broken || !fixed) return;
  const consoleBase = settings.traces.consoleUrl;
  const links = {
    broken: traceUrl(settings, broken),
    fixed: traceUrl(settings, fixed),
    compare: `${consoleBase}/#/compare/${broken}/${fixed}`,
  };
  settings.progress('reading the broken and fixed traces from the lab console…');
  const pair = await fetchComparePair(consoleBase, { broken, fixed });
  settings.progress('');
  report.compare = {
    ...scenario.compare,
    broken,
    fixed,
    links,
    ...('spans' in pair ? { spans: pair.spans } : {}),
  };
  if ('missing' in pair) report.notes.push(`Broken beside fixed: ${pair.missing}.`);
}
