import { setFlags } from '@incident-lab/flags';
import type { Scenario } from '@incident-lab/scenarios';
import { arrivals } from '@incident-lab/scenarios';
import { audit } from '../audit/invariants';
import { firingAlertCount } from '../clients/prometheus-alerts';
import { deltas } from '../clients/prometheus-text';
import { scrapeCounters } from '../clients/scrape';
import { waitForFlags } from '../clients/wait-for-flags';
import { driveLoad } from '../load/drive-load';
import { evaluateHypothesis } from '../load/hypothesis';
import { progressLine } from '../load/progress';
import { ShopClient } from '../load/shop-client';
import { keyTrace, notableTraces, type RequestResult, summarize, timeline } from '../load/stats';
import { grafanaDashboardUrl, traceUrl } from '../report/links';
import type { PhaseName, PhaseReport } from '../report/report';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { drainQueues } from '../settling/drain-queues';
import { cancelLeftoverQueries } from '../settling/leftover-queries';
import { abandonedPaymentsPass, priceAuditPass } from '../settling/storefront-jobs';
import { waitForIdle } from '../settling/wait-for-idle';
import { reset } from '../shop-data/data';
import { afterLoad } from './after-load';
import { type ActWindow, recordCauses } from './cause-recorder';
import { actsToRun, flagsFor, type RunSettings } from './run-settings';

/**
 * One phase: a clean shop, the phase's flags in force, then each act's seeded load with its
 * faults, the queues drained, the audit, the counters and the hypothesis. Every phase of a run
 * sends the same requests.
 */
export async function runPhase(
  lab: LabOptions,
  scenario: Scenario,
  settings: RunSettings,
  phase: { name: PhaseName; flags: Record<string, string>; baseline: Record<string, string>; rung?: string },
): Promise<PhaseReport> {
  const services = labServices(lab);
  const say = settings.log;
  const label =
    phase.rung ?? (phase.name === 'custom' ? undefined : scenario.phaseNames?.[phase.name]) ?? phase.name;
  say(`\n── phase ${label} ──`);
  // Between acts and phases, what a storm left running for clients long gone is cancelled rather
  // than waited out: the phase's evidence is taken, and it must not spill into what comes next.
  const untilIdle = () => waitForIdle(services, say, { cancelLeftovers: () => cancelLeftoverQueries(lab) });
  await untilIdle();
  await reset(lab);
  const client = new ShopClient(services[0]?.url as string, scenario.load.clientTimeoutMs);
  await client.loginAll();
  const acts = actsToRun(scenario, settings);
  const severalActs = acts.length > 1;
  const before = await scrapeCounters(services);
  const results: RequestResult[] = [];
  const prometheusUrl = settings.prometheusUrl;
  const causes = recordCauses(
    scenario.name,
    lab.namespace,
    services,
    prometheusUrl ? () => firingAlertCount(prometheusUrl) : undefined,
  );
  let startedAt: Date | undefined;
  let actStartS = 0;
  const windows: ActWindow[] = [];
  for (const [index, act] of acts.entries()) {
    if (index > 0) await untilIdle();
    const changed = await setFlags(lab.flagFile, flagsFor(scenario, phase.flags, act, phase.baseline));
    const described = changed.map((flag) => `${flag.key}=${flag.variant}`).join(', ');
    say(`act ${act.name}: ${described || 'no flags'}; waiting until the services apply them…`);
    await waitForFlags(services, changed);
    await settings.annotate(`${scenario.name} ${label}, act ${act.name}: ${described}`);
    const warmupS = index === 0 ? scenario.load.warmupS : 0;
    startedAt ??= new Date(Date.now() + warmupS * 1000);
    windows.push({ startMs: Date.now() + warmupS * 1000, offsetS: actStartS, durationS: act.durationS });
    const actResults = await driveLoad({
      client,
      arrivals: arrivals(act.ratePerS, warmupS + act.durationS, settings.seed * 101 + index),
      warmupMs: warmupS * 1000,
      totalMs: (warmupS + act.durationS) * 1000,
      behaviour: settings.client ?? scenario.load.client,
      onProgress: (progress, sofar) =>
        settings.progress(progressLine(`${label}/${act.name}`, progress, sofar)),
    });
    settings.progress('');
    for (const result of actResults) {
      results.push({
        ...result,
        act: severalActs ? act.name : undefined,
        startMs: result.startMs + actStartS * 1000,
      });
    }
    actStartS += act.durationS;
  }
  const finishedAt = new Date();
  const causeCharts = causes?.stop(windows);
  say(`load done: ${results.length} requests measured; draining queues…`);
  await untilIdle();
  if (!(await drainQueues(lab))) say('queues still busy after 30 s; auditing anyway');
  const abandoned = await abandonedPaymentsPass(services);
  if (abandoned.length > 0)
    say(`abandoned-payments: ${abandoned.length} order(s) without a payment failed and counted`);
  const mispriced = await priceAuditPass(services);
  if (mispriced.length > 0)
    say(`price audit: ${mispriced.length} order(s) charged a price the catalogue no longer had`);
  const { repair, alerts } = await afterLoad(lab, scenario, settings, phase, services);
  const after = await scrapeCounters(services);
  const findings = await audit(lab);
  const endpoints = summarize(results);
  const key = scenario.compare && keyTrace(results, scenario.compare.endpoint, scenario.compare.act);
  const traces = { ...notableTraces(results), ...(key ? { key } : {}) };
  const from = startedAt ?? finishedAt;
  return {
    flags: phase.flags,
    durationS: actStartS,
    startedAt: from.toISOString(),
    finishedAt: finishedAt.toISOString(),
    endpoints,
    invariants: findings.counts,
    findings: findings.findings,
    repair,
    alerts,
    hypothesis: evaluateHypothesis(scenario.hypothesis, endpoints, findings),
    traces,
    server: Object.fromEntries(
      Object.keys(after).map((service) => [service, deltas(before[service] ?? {}, after[service] ?? {})]),
    ),
    timeline: timeline(results, actStartS),
    ...(causeCharts ? { causes: causeCharts } : {}),
    links: {
      grafana: grafanaDashboardUrl(settings, scenario.dashboardUid, from, finishedAt),
      traces: {
        viewer: settings.traces.name,
        slowest: traces.slowest.map((id) => traceUrl(settings, id)),
        failed: traces.failed.map((id) => traceUrl(settings, id)),
      },
    },
  };
}
