import { escapeHtml } from '../report/html-escape';
import { REPORT_STYLE, table } from '../report/html-page';
import { barChart, lineChart } from '../report/svg-charts';
import { writeReportFiles } from '../report/write-report';
import type { CheckoutEnd } from './careful-client';
import type { ChaosPhase, ChaosPhaseName, ChaosReport } from './chaos-report';

const COLOURS: Record<ChaosPhaseName, string> = { broken: '#dc2626', fixed: '#16a34a' };
const ENDS: CheckoutEnd[] = ['paid', 'failed', 'refused', 'accepted-then-failed', 'pending', 'gave-up'];

function phasesOf(report: ChaosReport): Array<[ChaosPhaseName, ChaosPhase]> {
  return (['broken', 'fixed'] as const).flatMap((name) => {
    const phase = report.phases[name];
    return phase ? [[name, phase] as [ChaosPhaseName, ChaosPhase]] : [];
  });
}

/** One row per claim: its limit, and each phase's value and verdict. Both renderings read these rows. */
function verdictRows(report: ChaosReport) {
  const phases = phasesOf(report);
  const names = phases[0]?.[1].hypothesis.probes.map((probe) => probe.name) ?? [];
  return names.map((name) => ({
    name,
    limit: phases[0]?.[1].hypothesis.probes.find((p) => p.name === name)?.limit ?? '',
    cells: phases.map(([, phase]) => phase.hypothesis.probes.find((p) => p.name === name)),
  }));
}

function faultRows(phase: ChaosPhase): string[][] {
  return phase.faults.map((fault) => [
    `${fault.atS} s`,
    fault.fault,
    fault.detail,
    fault.recoveries
      .map((r) => `${r.service} ${r.ms === null ? 'NOT back' : `${(r.ms / 1000).toFixed(1)} s`}`)
      .join(', ') || '–',
  ]);
}

export function renderChaosMarkdown(report: ChaosReport): string {
  const phases = phasesOf(report);
  const lines = [
    `# ${report.title}`,
    '',
    report.summary,
    '',
    `Seed ${report.seed} · ${report.checkouts} checkouts at ${report.ratePerS}/s · started ${report.startedAt}`,
    '',
    '## Verdict',
    '',
    `| claim | limit | ${phases.map(([name]) => name).join(' | ')} |`,
    `|---|---|${phases.map(() => '---').join('|')}|`,
    ...verdictRows(report).map(
      (row) =>
        `| ${row.name} | ${row.limit} | ${row.cells.map((cell) => (cell ? `${cell.passed ? '✓' : '✗'} ${cell.value}` : '')).join(' | ')} |`,
    ),
    '',
    '## How the checkouts ended',
    '',
    `| ending | ${phases.map(([name]) => name).join(' | ')} |`,
    `|---|${phases.map(() => '---').join('|')}|`,
    ...ENDS.map((end) => `| ${end} | ${phases.map(([, phase]) => phase.clients.ends[end]).join(' | ')} |`),
    `| attempts in all | ${phases.map(([, phase]) => phase.clients.attempts).join(' | ')} |`,
    '',
  ];
  for (const [name, phase] of phases) {
    lines.push(
      `## Phase ${name}: ${phase.hypothesis.passed ? 'holds' : 'fails'}`,
      '',
      `Flags: ${Object.entries(phase.flags)
        .map(([key, value]) => `\`${key}=${value}\``)
        .join(' ')}`,
      '',
      `Settled in ${phase.settle.seconds} s (${phase.settle.quiet ? 'nothing left unfinished' : 'work still unfinished'}, ${phase.settle.reconcilerRuns} reconciler runs). Grafana for the phase: ${phase.links.grafana}`,
      '',
      '| at | fault | what it did | ready again |',
      '|---|---|---|---|',
      ...faultRows(phase).map((row) => `| ${row.join(' | ')} |`),
      '',
      '| audit finding | count | ids (first 5) |',
      '|---|---|---|',
      ...Object.entries(phase.findings).map(
        ([finding, ids]) => `| ${finding} | ${ids.length} | ${ids.slice(0, 5).join(', ')} |`,
      ),
      '',
      phase.clients.acceptedThenLost.length
        ? `Accepted, then lost (order ids): ${phase.clients.acceptedThenLost.slice(0, 10).join(', ')}`
        : 'No accepted order was lost.',
      '',
    );
  }
  for (const note of report.notes) lines.push(`_${note}_`, '');
  return `${lines.join('\n')}\n`;
}

function timelineChart(name: ChaosPhaseName, phase: ChaosPhase): string {
  const title = `${name}: checkout attempts per second, and the faults`;
  const chart = lineChart(
    title,
    'attempts / s',
    [
      {
        label: 'accepted (201/202)',
        colour: '#16a34a',
        points: phase.timeline.map((s) => [s.s, s.accepted]),
      },
      { label: '5xx or no answer', colour: '#dc2626', points: phase.timeline.map((s) => [s.s, s.failed]) },
      { label: '409 in flight', colour: '#f59e0b', points: phase.timeline.map((s) => [s.s, s.inFlight]) },
    ],
    {
      markers: phase.faults.map((fault) => ({ x: fault.atS, label: fault.fault })),
      xLabel: 'seconds into the load',
    },
  );
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${chart}</figure>`;
}

/** The report as one self-contained page: inline CSS and SVG, no scripts, opens offline. */
export function renderChaosHtml(report: ChaosReport): string {
  const phases = phasesOf(report);
  const verdict = table(
    ['claim', 'limit', ...phases.map(([name]) => name)],
    verdictRows(report).map((row) => [
      escapeHtml(row.name),
      escapeHtml(row.limit),
      ...row.cells.map((cell) =>
        cell
          ? `<span class="${cell.passed ? 'pass' : 'fail'}">${cell.passed ? '✓' : '✗'} ${cell.value}</span>`
          : '',
      ),
    ]),
  );
  const endings = barChart(
    'how the checkouts ended',
    'checkouts',
    ENDS,
    phases.map(([name, phase]) => ({
      label: name,
      colour: COLOURS[name],
      values: ENDS.map((end) => phase.clients.ends[end]),
    })),
  );
  const sections = phases
    .map(
      ([name, phase]) => `<section class="phase" data-phase="${name}">
<h2>Phase <em style="color:${COLOURS[name]}">${name}</em>: ${phase.hypothesis.passed ? '<span class="pass">holds</span>' : '<span class="fail">fails</span>'}</h2>
<p>Flags: ${Object.entries(phase.flags)
        .map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`)
        .join(' ')}</p>
<p>Load ${phase.loadS} s · settled in ${phase.settle.seconds} s (${phase.settle.quiet ? 'nothing left unfinished' : 'work still unfinished'}, ${phase.settle.reconcilerRuns} reconciler runs) · <a href="${escapeHtml(phase.links.grafana)}">Grafana, this phase's time range</a></p>
<div class="charts">${timelineChart(name, phase)}</div>
${table(
  ['at', 'fault', 'what it did', 'ready again'],
  faultRows(phase).map((row) => row.map(escapeHtml)),
)}
${table(
  ['audit finding', 'count', 'ids (first 5)'],
  Object.entries(phase.findings).map(([finding, ids]) => [
    escapeHtml(finding),
    `<span class="${ids.length === 0 ? 'pass' : 'fail'}">${ids.length}</span>`,
    escapeHtml(ids.slice(0, 5).join(', ')),
  ]),
)}
<p>Traces of checkouts that did not end well (in ${escapeHtml(phase.links.traces.viewer)}): ${
        phase.links.traces.failed
          .map(
            (url) =>
              `<a href="${escapeHtml(url)}">${escapeHtml(url.split('/').pop()?.slice(0, 12) ?? '')}…</a>`,
          )
          .join(' ') || 'none'
      }</p>
</section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
${REPORT_STYLE}</head><body>
<h1>${escapeHtml(report.title)}</h1>
<p>${escapeHtml(report.summary)}</p>
<p>Seed ${report.seed} · ${report.checkouts} checkouts at ${report.ratePerS}/s · started ${escapeHtml(report.startedAt)}</p>
<h2>Verdict</h2>${verdict}
<div class="charts"><figure><figcaption>how the checkouts ended</figcaption>${endings}</figure></div>
${sections}
${report.notes.map((note) => `<p><small>${escapeHtml(note)}</small></p>`).join('')}
</body></html>
`;
}

/** Writes report.json, report.md and report.html into `<outRoot>/chaos-<time>/`. */
export function writeChaosReport(report: ChaosReport, outRoot: string, jsonFile?: string): Promise<string> {
  const render = { markdown: renderChaosMarkdown(report), html: renderChaosHtml(report) };
  return writeReportFiles(outRoot, report.experiment, report.startedAt, report, render, jsonFile);
}
