import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DRILL_CAUSES, type InvariantName } from '@incident-lab/scenarios';
import type { Audit } from '../audit/invariants';
import { alertRunbooks, RUNBOOKS } from '../clients/prometheus';
import { percentile } from '../load/stats';
import { grafanaDashboardUrl, type LinkOptions, traceUrl } from '../report/links';
import type { FaultProgress } from './drill-judge';
import type { DrillPlan } from './drill-plan';
import type { AlertCoverage, DrillFaultReport, DrillReport, TimelineEntry } from './drill-report';
import { scoreDrill } from './drill-score';
import type { DrillAction, DrillSecret } from './drill-state';
import type { DrillRequest } from './drill-traffic';

/** A fault whose hypothesis never failed within this long was absorbed by the shop. */
const ABSORBED_AFTER_S = 120;

export function buildReport(input: {
  plan: DrillPlan;
  secret: DrillSecret;
  startedAt: Date;
  faultAt: Date;
  finishedAt: Date;
  ended: string;
  actions: DrillAction[];
  timeline: TimelineEntry[];
  progress: Map<string, FaultProgress>;
  alerts: Map<string, { firedAt?: number; resolvedAt?: number }>;
  /** Whether a Prometheus was there to ask: without one, no alert can be said to have fired or not. */
  alertsRead: boolean;
  requests: DrillRequest[];
  auditBefore: Audit;
  auditAfter: Audit;
  links: LinkOptions;
}): DrillReport {
  const faultMs = input.faultAt.getTime();
  const lasted = (input.finishedAt.getTime() - faultMs) / 1000;
  const runbooks = alertRunbooks();
  const faults: DrillFaultReport[] = input.plan.faults.map(({ fault, hidden }) => {
    const progress = input.progress.get(fault.id);
    const absorbed = !progress?.hurtAtMs && lasted >= ABSORBED_AFTER_S;
    const mitigatedAtMs =
      progress?.state === 'mitigated' ? progress.mitigatedAtMs : absorbed ? faultMs : undefined;
    return {
      id: fault.id,
      title: fault.title,
      service: fault.service,
      cause: fault.cause,
      hidden: { ...fault.hidden, ...hidden.quietlyOff },
      quietlyOff: hidden.quietlyOff,
      mitigations: fault.mitigations,
      ...(progress?.hurtAtMs ? { hurtAfterS: Math.round((progress.hurtAtMs - faultMs) / 1000) } : {}),
      ...(mitigatedAtMs !== undefined
        ? { mitigatedAfterS: Math.round((mitigatedAtMs - faultMs) / 1000) }
        : {}),
      absorbed,
      ...(progress?.last ? { lastWindow: progress.last } : {}),
      alerts: fault.alerts.map((alert): AlertCoverage => {
        const seen = input.alerts.get(alert);
        const runbook = runbooks.get(alert);
        const body = runbook ? safeRead(path.join(RUNBOOKS, runbook)) : '';
        // A provider's runbook speaks of "the provider": either name of the service counts.
        const names = [fault.service, fault.service.replace(/-(primary|backup)$/, '')];
        return {
          alert,
          read: input.alertsRead,
          fired: seen?.firedAt !== undefined && seen.firedAt >= faultMs,
          ...(seen?.firedAt !== undefined && seen.firedAt >= faultMs
            ? { afterS: Math.round((seen.firedAt - faultMs) / 1000) }
            : {}),
          ...(seen?.resolvedAt !== undefined
            ? { resolvedAfterS: Math.round((seen.resolvedAt - faultMs) / 1000) }
            : {}),
          ...(runbook ? { runbook, runbookNamesService: names.some((name) => body.includes(name)) } : {}),
        };
      }),
    };
  });
  const score = scoreDrill({
    faultAtMs: faultMs,
    actions: input.actions,
    faults: faults.length,
    mitigatedAtMs: faults.map((fault) =>
      fault.mitigatedAfterS === undefined ? undefined : faultMs + fault.mitigatedAfterS * 1000,
    ),
    revealedEarly: input.secret.revealed && faults.some((fault) => fault.mitigatedAfterS === undefined),
  });
  const afterFault = input.requests.filter((request) => request.atMs >= faultMs);
  const byEndpoint: DrillReport['impact']['byEndpoint'] = {};
  for (const endpoint of new Set(afterFault.map((request) => request.endpoint))) {
    const mine = afterFault.filter((request) => request.endpoint === endpoint);
    byEndpoint[endpoint] = {
      requests: mine.length,
      failed: mine.filter((request) => request.outcome !== 'ok').length,
      p95Ms: Math.round(
        percentile(
          mine.map((request) => request.latencyMs).sort((a, b) => a - b),
          95,
        ),
      ),
    };
  }
  const newFindings: Partial<Record<InvariantName, string[]>> = {};
  for (const [name, ids] of Object.entries(input.auditAfter.findings) as Array<[InvariantName, string[]]>) {
    const before = new Set(input.auditBefore.findings[name]);
    const added = ids.filter((id) => !before.has(id));
    if (added.length > 0) newFindings[name] = added;
  }
  const failedTraces = afterFault
    .filter((request) => request.outcome !== 'ok' && request.traceId)
    .slice(0, 5)
    .map((request) => traceUrl(input.links, request.traceId as string));
  const consoleUrl = input.links.traces.consoleUrl;
  const report: DrillReport = {
    kind: 'drill',
    seed: input.plan.seed,
    level: input.plan.level,
    startedAt: input.startedAt.toISOString(),
    faultAt: input.faultAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    ended: input.ended,
    score,
    faults,
    actions: input.actions,
    timeline: withFirstFailure(input.timeline, afterFault, faultMs),
    impact: {
      requests: afterFault.length,
      failed: afterFault.filter((request) => request.outcome !== 'ok').length,
      byEndpoint,
      audit: newFindings,
    },
    series: seriesOf(input.requests, input.startedAt.getTime(), input.finishedAt.getTime()),
    links: {
      failedTraces,
      traceSearch: `${consoleUrl}/#/traces?error=true&from=${faultMs}&to=${input.finishedAt.getTime()}`,
      grafana: grafanaDashboardUrl(input.links, 'incident-lab-overview', input.startedAt, input.finishedAt),
    },
    incidentReport: '',
  };
  report.incidentReport = incidentReport(report);
  return report;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The first request that failed after the fault, on the timeline: when people started to notice. */
function withFirstFailure(timeline: TimelineEntry[], afterFault: DrillRequest[], faultMs: number) {
  const first = afterFault.filter((request) => request.outcome !== 'ok').sort((a, b) => a.atMs - b.atMs)[0];
  const entries = [...timeline];
  if (first)
    entries.push({
      at: new Date(first.atMs).toISOString(),
      sinceFaultS: Math.round((first.atMs - faultMs) / 1000),
      kind: 'symptom',
      text: `first failed request: ${first.endpoint} (${first.status ?? first.outcome})`,
    });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

/** Per 10 s of the drill: what people sent, what failed, how long checkout took. */
function seriesOf(requests: DrillRequest[], fromMs: number, toMs: number): DrillReport['series'] {
  const series: DrillReport['series'] = [];
  for (let at = fromMs; at < toMs; at += 10_000) {
    const mine = requests.filter((request) => request.atMs >= at && request.atMs < at + 10_000);
    const checkouts = mine
      .filter((request) => request.endpoint === 'checkout')
      .map((request) => request.latencyMs)
      .sort((a, b) => a - b);
    series.push({
      atS: Math.round((at - fromMs) / 1000),
      requests: mine.length,
      failed: mine.filter((request) => request.outcome !== 'ok').length,
      p95Ms: checkouts.length ? Math.round(percentile(checkouts, 95)) : null,
    });
  }
  return series;
}

const clock = (iso: string) => iso.slice(11, 19);
const after = (seconds: number | undefined) => (seconds === undefined ? 'never' : `+${seconds} s`);

/**
 * The incident report the learner writes, with what the drill knows filled in: the sections of a
 * blameless postmortem (Summary, Detection, Impact, Timeline, Root cause, Resolution, Prevention,
 * Action items); the learner's own words go where the prompts are.
 */
export function incidentReport(report: DrillReport): string {
  const titles = report.faults.map((fault) => fault.title).join('; and ');
  const detect = report.actions.find(
    (action) => action.kind === 'detect' && Date.parse(action.at) >= Date.parse(report.faultAt),
  );
  const findings = Object.entries(report.impact.audit).map(
    ([name, ids]) =>
      `- \`${name}\`: ${ids?.length} (${ids?.slice(0, 5).join(', ')}${(ids?.length ?? 0) > 5 ? ', …' : ''})`,
  );
  const fix = (fault: DrillFaultReport) => {
    const sets = fault.mitigations.fixes.map((set) =>
      Object.entries(set)
        .map(([key, value]) => `\`${key}=${value}\``)
        .join(' + '),
    );
    const rollback = fault.mitigations.rollback ? [`rolling back ${fault.mitigations.rollback}`] : [];
    return [...sets, ...rollback].join(', or ') || 'nothing the shop could do';
  };
  const lines = [
    `# Incident report: ${titles}`,
    '',
    `Game day of ${report.startedAt.slice(0, 10)} (seed ${report.seed}, level ${report.level}); score ${report.score.points} of 100.`,
    '',
    '## Summary',
    '',
    `From ${clock(report.faultAt)} UTC, ${report.faults.map((fault) => `${fault.service} (${DRILL_CAUSES[fault.cause as keyof typeof DRILL_CAUSES]})`).join(' and ')}. ` +
      `${report.impact.failed} of ${report.impact.requests} requests failed until the drill ended (${report.ended}). ` +
      '_In two or three sentences of your own: what broke, who noticed, how it ended._',
    '',
    '## Detection',
    '',
    `- The fault began at ${clock(report.faultAt)} UTC.`,
    ...report.timeline
      .filter((entry) => entry.kind === 'symptom')
      .map((entry) => `- ${entry.text}, ${after(entry.sinceFaultS)}.`),
    ...report.faults.flatMap((fault) =>
      fault.alerts.map(
        (alert) =>
          `- Alert \`${alert.alert}\`: ${!alert.read ? 'not read (no Prometheus: lab drill --observe)' : alert.fired ? `fired ${after(alert.afterS)}` : 'did not fire during the drill'}${alert.runbook ? `; its runbook (${alert.runbook}) ${alert.runbookNamesService ? 'names' : 'does not name'} ${fault.service}` : ''}.`,
      ),
    ),
    `- Noticed by the on-call ${detect ? `${after(report.score.detectS)}: "${detect.text}"` : ': never during the drill'}.`,
    '- _How could it have been noticed sooner?_',
    '',
    '## Impact',
    '',
    `- ${report.impact.failed} of ${report.impact.requests} requests after the fault failed or timed out.`,
    ...Object.entries(report.impact.byEndpoint).map(
      ([endpoint, each]) =>
        `  - ${endpoint}: ${each.failed} of ${each.requests} failed, p95 ${each.p95Ms} ms`,
    ),
    ...(findings.length
      ? ['- What the audit (`lab check`) found that was not there before:', ...findings]
      : ['- The audit found nothing new.']),
    '- _Who was affected, and what do they need from us (refunds, invoices, an apology)?_',
    '',
    '## Timeline',
    '',
    '| time (UTC) | since the fault | what |',
    '| --- | --- | --- |',
    ...report.timeline.map((entry) => `| ${clock(entry.at)} | ${entry.sinceFaultS} s | ${entry.text} |`),
    '',
    '## Root cause',
    '',
    ...report.faults.map(
      (fault) =>
        `- ${fault.service}: ${DRILL_CAUSES[fault.cause as keyof typeof DRILL_CAUSES]}. Revealed: ${fault.title}.` +
        (Object.keys(fault.quietlyOff).length
          ? ` The fixes that would have absorbed it were off without anyone knowing: ${Object.keys(
              fault.quietlyOff,
            )
              .map((key) => `\`${key}\``)
              .join(', ')}.`
          : ''),
    ),
    '- _Why did it happen, and why did nothing stop it? Ask why until the answer is a decision, not a person._',
    '',
    '## Resolution',
    '',
    ...report.faults.map(
      (fault) =>
        `- ${fault.id}: ${fault.absorbed ? 'the shop absorbed it' : `mitigated ${after(fault.mitigatedAfterS)}`}; it could be ended by ${fix(fault)}.`,
    ),
    ...(report.impact.audit.paymentsWithoutInvoice
      ? ['- Still owed: the invoices of the payments above (`npx lab backfill invoices`).']
      : []),
    ...(report.impact.audit.doubleCharges || report.impact.audit.chargedNotPaid
      ? [
          '- Still owed: refunds for the cards charged twice or for failed orders (the reconciler with `reconciler-repair`).',
        ]
      : []),
    '',
    '## Prevention',
    '',
    ...report.faults.map((fault) => `- Keep ${fix(fault)} in force, so this fault is absorbed next time.`),
    ...report.faults.flatMap((fault) =>
      fault.alerts
        .filter((alert) => alert.read && !alert.fired)
        .map((alert) => `- \`${alert.alert}\` did not fire: why not, and what would have?`),
    ),
    '',
    '## Action items',
    '',
    '- [ ] _Owner, action, due date; one line each._',
    ...report.faults.map((fault) => `- [ ] Make ${fix(fault)} the default for ${fault.service}.`),
    '',
  ];
  return lines.join('\n');
}
