import type { FlagState } from '@incident-lab/flags';
import { setFlags } from '@incident-lab/flags';
import type { Scenario } from '@incident-lab/scenarios';
import { audit } from '../check/invariants';
import { evaluateHypothesis } from '../report/hypothesis';
import { grafanaDashboardUrl, jaegerTraceUrl } from '../report/links';
import { firingAlerts } from '../report/prometheus-alerts';
import type { PhaseName, PhaseReport } from '../report/report';
import { reset } from '../stack/data';
import type { LabOptions } from '../stack/lab-options';
import { labServices } from '../stack/services';
import { drainQueues } from './drain';
import { driveLoad } from './drive-load';
import { progressLine } from './progress';
import { deltas } from './prometheus-text';
import type { RunSettings } from './run-settings';
import { arrivals } from './schedule';
import { scrapeCounters } from './scrape';
import { ShopClient } from './shop-client';
import { notableTraces, summarize, timeline } from './stats';
import { waitForFlags } from './wait-for-flags';

/**
 * One phase: a clean shop, the phase's flags in force, the seeded load, the queues drained, then
 * the audit, the counters and the hypothesis. Every phase of a run sends the same requests.
 */
export async function runPhase(
  lab: LabOptions,
  scenario: Scenario,
  settings: RunSettings,
  phase: PhaseName,
  flags: Record<string, string>,
): Promise<PhaseReport> {
  const services = labServices(lab);
  const say = settings.log;
  say(`\n── phase ${phase} ──`);
  await reset(lab);
  const changed: FlagState[] = await setFlags(lab.flagFile, { ...scenario.faults, ...flags });
  say(
    `flags: ${changed.map((flag) => `${flag.key}=${flag.variant}`).join(', ') || '(defaults)'}; waiting until applied…`,
  );
  await waitForFlags(services, changed);
  await settings.annotate(
    `${scenario.name}: phase ${phase} starts (${changed.map((f) => `${f.key}=${f.variant}`).join(', ')})`,
  );

  const client = new ShopClient(services[0]?.url as string, scenario.load.clientTimeoutMs);
  await client.loginAll();
  const load = scenario.load;
  const totalS = settings.warmupS + settings.durationS;
  const schedule = arrivals(settings.ratePerS, totalS, settings.seed);
  const before = await scrapeCounters(services);
  const startedAt = new Date(Date.now() + settings.warmupS * 1000);
  const results = await driveLoad({
    client,
    arrivals: schedule,
    warmupMs: settings.warmupS * 1000,
    totalMs: totalS * 1000,
    behaviour: load.client,
    onProgress: (progress, sofar) => settings.progress(progressLine(phase, progress, sofar)),
  });
  const finishedAt = new Date();
  settings.progress('');
  say(`load done: ${results.length} requests measured; draining queues…`);
  if (!(await drainQueues(lab))) say('queues still busy after 30 s; auditing anyway');
  const after = await scrapeCounters(services);
  const findings = await audit(lab);
  const endpoints = summarize(results);
  const traces = notableTraces(results);
  const alerts = await firingAlerts(settings.prometheusUrl);
  return {
    flags: Object.fromEntries(changed.map((flag) => [flag.key, flag.variant])),
    durationS: settings.durationS,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    endpoints,
    invariants: findings.counts,
    findings: findings.findings,
    alerts: alerts
      ? { firing: alerts }
      : { firing: [], note: 'no Prometheus configured or reachable (LAB_PROMETHEUS_URL)' },
    hypothesis: evaluateHypothesis(scenario.hypothesis, endpoints, findings),
    traces,
    server: Object.fromEntries(
      Object.keys(after).map((service) => [service, deltas(before[service] ?? {}, after[service] ?? {})]),
    ),
    timeline: timeline(results, settings.durationS),
    links: {
      grafana: grafanaDashboardUrl(settings, scenario.dashboardUid, startedAt, finishedAt),
      jaeger: {
        slowest: traces.slowest.map((id) => jaegerTraceUrl(settings, id)),
        failed: traces.failed.map((id) => jaegerTraceUrl(settings, id)),
      },
    },
  };
}
