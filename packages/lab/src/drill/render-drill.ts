import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DRILL_CAUSES } from '@incident-lab/scenarios';
import { escapeHtml } from '../report/html-escape';
import { REPORT_STYLE, TONES, table } from '../report/html-page';
import { lineChart, type Marker } from '../report/svg-charts';
import { writeReportFiles } from '../report/write-report';
import type { DrillReport } from './drill-report';

const cause = (id: string) => DRILL_CAUSES[id as keyof typeof DRILL_CAUSES] ?? id;
const seconds = (value: number | undefined) => (value === undefined ? 'never' : `${value} s`);

/** The drill in numbers, as the report and the terminal open with them. */
export function drillHeadline(report: DrillReport): string[] {
  return [
    `Score ${report.score.points} of 100 (seed ${report.seed}, level ${report.level}; ${report.ended}).`,
    `Noticed after ${seconds(report.score.detectS)}, named after ${seconds(report.score.diagnoseS)}, mitigated after ${seconds(report.score.mitigateS)} (from the fault).`,
    ...report.faults.map((fault) => `The fault: ${fault.title} (${fault.service}; ${cause(fault.cause)}).`),
  ];
}

export function renderDrillMarkdown(report: DrillReport): string {
  const lines = [
    `# Game day: seed ${report.seed}, level ${report.level}`,
    '',
    ...drillHeadline(report).map((line) => `- ${line}`),
    '',
    '## Score',
    '',
    '| | points |',
    '| --- | --- |',
    '| start | 100 |',
    ...report.score.breakdown.map((each) => `| ${each.what} | ${each.points} |`),
    `| **score** | **${report.score.points}** |`,
    '',
    '## Alert coverage',
    '',
    '| fault | alert | fired | runbook names the service |',
    '| --- | --- | --- | --- |',
    ...report.faults.flatMap((fault) =>
      fault.alerts.map(
        (alert) =>
          `| ${fault.id} | ${alert.alert} | ${!alert.read ? 'not read (no Prometheus)' : alert.fired ? `after ${alert.afterS} s` : 'no'} | ${alert.runbook ? `${alert.runbook}: ${alert.runbookNamesService ? 'yes' : 'no'}` : 'no runbook'} |`,
      ),
    ),
    '',
    '## Links',
    '',
    `- Failed requests' traces: ${report.links.failedTraces.join(' ') || 'none kept a trace id'}`,
    `- Every trace with an error since the fault: ${report.links.traceSearch}`,
    `- Grafana over the drill: ${report.links.grafana}`,
    '',
    '---',
    '',
    report.incidentReport,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderDrillHtml(report: DrillReport): string {
  const faultS = Math.round((Date.parse(report.faultAt) - Date.parse(report.startedAt)) / 1000);
  const markers: Marker[] = [
    { x: faultS, label: 'fault' },
    ...report.faults.flatMap((fault) =>
      fault.mitigatedAfterS === undefined || fault.absorbed
        ? []
        : [{ x: faultS + fault.mitigatedAfterS, label: `${fault.id} mitigated` }],
    ),
    ...report.actions
      .filter((action) => action.kind === 'detect' || action.kind === 'rollback' || action.kind === 'flags')
      .map((action) => ({
        x: Math.round((Date.parse(action.at) - Date.parse(report.startedAt)) / 1000),
        label: action.kind === 'detect' ? 'detected' : action.kind,
      })),
  ];
  const xMax = report.series.at(-1)?.atS ?? 1;
  // Moves a few seconds apart share one mark: their labels would print over each other.
  markers.sort((a, b) => a.x - b.x);
  const merged: Marker[] = [];
  for (const marker of markers) {
    const last = merged.at(-1);
    if (last && marker.x - last.x <= xMax / 40) last.label = `${last.label} · ${marker.label}`;
    else merged.push({ ...marker });
  }
  const failures = lineChart(
    'Requests per 10 s: sent, and failed or timed out',
    'requests',
    [
      { label: 'sent', colour: TONES.neutral, points: report.series.map((s) => [s.atS, s.requests]) },
      { label: 'failed', colour: TONES.bad, points: report.series.map((s) => [s.atS, s.failed]) },
    ],
    { markers: merged, xMax, xLabel: 'seconds into the drill' },
  );
  const latency = lineChart(
    'Checkout p95 per 10 s',
    'p95 ms',
    [{ label: 'checkout', colour: TONES.good, points: report.series.map((s) => [s.atS, s.p95Ms]) }],
    { markers: merged, xMax, xLabel: 'seconds into the drill' },
  );
  const faultRows = report.faults.map((fault) => [
    escapeHtml(fault.title),
    escapeHtml(fault.service),
    escapeHtml(cause(fault.cause)),
    `<code>${escapeHtml(
      Object.entries(fault.hidden)
        .map(([key, value]) => `${key}=${value}`)
        .join(' '),
    )}</code>`,
    fault.absorbed
      ? 'absorbed'
      : `hurt after ${seconds(fault.hurtAfterS)}, mitigated after ${seconds(fault.mitigatedAfterS)}`,
  ]);
  const alertRows = report.faults.flatMap((fault) =>
    fault.alerts.map((alert) => [
      escapeHtml(fault.id),
      `<code>${escapeHtml(alert.alert)}</code>`,
      !alert.read
        ? 'not read: no Prometheus (<code>lab drill --observe</code>)'
        : alert.fired
          ? `<span class="pass">after ${alert.afterS} s</span>`
          : '<span class="fail">did not fire</span>',
      alert.runbook
        ? `${escapeHtml(alert.runbook)}: ${alert.runbookNamesService ? 'names' : '<span class="fail">does not name</span>'} ${escapeHtml(fault.service)}`
        : 'no runbook',
    ]),
  );
  const impactRows = Object.entries(report.impact.byEndpoint).map(([endpoint, each]) => [
    escapeHtml(endpoint),
    String(each.requests),
    String(each.failed),
    String(each.p95Ms),
  ]);
  const findings = Object.entries(report.impact.audit).map(([name, ids]) => [
    `<code>${escapeHtml(name)}</code>`,
    String(ids?.length ?? 0),
    escapeHtml((ids ?? []).slice(0, 5).join(', ')),
  ]);
  const timelineRows = report.timeline.map((entry) => [
    escapeHtml(entry.at.slice(11, 19)),
    `${entry.sinceFaultS} s`,
    escapeHtml(entry.kind),
    escapeHtml(entry.text),
  ]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Game day, seed ${report.seed}</title>${REPORT_STYLE}</head><body>
<h1>Game day: seed ${report.seed}, level ${report.level}</h1>
<div class="headline"><h2>Score ${report.score.points} of 100</h2><ul>${drillHeadline(report)
    .slice(1)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('')}</ul></div>
<h2>What was hidden</h2>
${table(['fault', 'service', 'cause', 'flags held in force', 'effect'], faultRows, true)}
<h2>Score</h2>
${table(['', 'points'], [['start', '100'], ...report.score.breakdown.map((each) => [escapeHtml(each.what), String(each.points)]), ['<strong>score</strong>', `<strong>${report.score.points}</strong>`]])}
<h2>What people saw</h2>
<div class="charts"><figure>${failures}</figure><figure>${latency}</figure></div>
${table(['endpoint (after the fault)', 'requests', 'failed', 'p95 ms'], impactRows)}
<h2>Damage the audit found</h2>
${findings.length ? table(['finding (new since the drill began)', 'count', 'ids'], findings, true) : '<p class="empty">Nothing new: no card charged twice, no payment without an invoice.</p>'}
<h2>Alert coverage</h2>
${alertRows.length ? table(['fault', 'alert', 'fired', 'runbook'], alertRows, true) : '<p class="empty">No alert is expected for this fault.</p>'}
<h2>Timeline</h2>
${table(['time (UTC)', 'since the fault', 'what', ''], timelineRows, true)}
<h2>Links</h2>
<ul><li>Traces of failed requests: ${report.links.failedTraces.map((url, i) => `<a href="${escapeHtml(url)}">${i + 1}</a>`).join(' ') || 'none'}</li>
<li><a href="${escapeHtml(report.links.traceSearch)}">Every trace with an error since the fault</a></li>
<li><a href="${escapeHtml(report.links.grafana)}">Grafana over the drill's time range</a></li></ul>
<h2>Incident report (to finish: <code>incident.md</code>)</h2>
<pre style="white-space:pre-wrap;background:#f8fafc;border:1px solid #e5e7eb;padding:1rem">${escapeHtml(report.incidentReport)}</pre>
</body></html>
`;
}

/** `reports/drill-<time>/`: report.json, report.md, report.html, and the incident skeleton as incident.md. */
export async function writeDrillReport(
  report: DrillReport,
  outRoot: string,
  jsonFile?: string,
): Promise<string> {
  const dir = await writeReportFiles(
    outRoot,
    'drill',
    report.startedAt,
    report,
    { markdown: renderDrillMarkdown(report), html: renderDrillHtml(report) },
    jsonFile,
  );
  await writeFile(path.join(dir, 'incident.md'), report.incidentReport);
  return dir;
}
