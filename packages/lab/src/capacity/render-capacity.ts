import { escapeHtml } from '../report/html-escape';
import { COLOURS, REPORT_STYLE, TONES, table } from '../report/html-page';
import { lineChart, type Series } from '../report/svg-charts';
import { writeReportFiles } from '../report/write-report';
import type { CapacityPhase, CapacityPhaseName, CapacityReport } from './capacity-report';
import type { StepResult } from './capacity-steps';

function phasesOf(report: CapacityReport): Array<[CapacityPhaseName, CapacityPhase]> {
  return (['broken', 'fixed'] as const).flatMap((name) => {
    const phase = report.phases[name];
    return phase ? [[name, phase] as [CapacityPhaseName, CapacityPhase]] : [];
  });
}

const STEP_HEAD = [
  'step',
  'offered /s',
  'sent /s',
  'served /s',
  '2xx /s',
  'p50 ms',
  'p99 ms',
  'shed',
  'timed out',
  'failed',
  'sent late p99 ms',
  'objective',
];

function stepRow(step: StepResult): string[] {
  return [
    step.name,
    String(step.offeredPerS),
    String(step.sentPerS),
    String(step.goodputPerS),
    String(step.okPerS),
    String(step.p50Ms),
    String(step.p99Ms),
    String(step.shed),
    String(step.timeouts),
    String(step.errors),
    String(step.lateP99Ms),
    step.kind === 'search' ? (step.withinObjective ? 'kept' : `missed: ${step.missed.join('; ')}`) : '',
  ];
}

function capacityText(phase: CapacityPhase): string {
  return phase.capacityPerS === undefined
    ? 'not found (the first step missed)'
    : `${phase.capacityPerS} req/s`;
}

/** The classic curve: goodput against offered load, every step of the search and the overload. */
export function capacityCurveSvg(report: CapacityReport): string {
  const series: Series[] = phasesOf(report).map(([name, phase]) => ({
    label: name,
    colour: COLOURS[name] ?? TONES.neutral,
    points: [...phase.search, ...phase.overload.filter((step) => step.kind === 'overload')]
      .sort((a, b) => a.offeredPerS - b.offeredPerS)
      .map((step) => [step.offeredPerS, step.goodputPerS]),
  }));
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map(([x]) => x)));
  series.push({
    label: 'served = offered',
    colour: '#9ca3af',
    points: [
      [0, 0],
      [xMax, xMax],
    ],
  });
  return lineChart('goodput against offered load', 'served within 1 s, req/s', series, {
    xLabel: 'offered load, requests per second',
    xMax,
  });
}

/** Served per second through the overload, both phases on one time axis, the steps marked. */
export function capacityOverloadSvg(report: CapacityReport): string {
  const phases = phasesOf(report).filter(([, phase]) => phase.timeline.length > 0);
  const first = phases[0]?.[1];
  if (!first) return '';
  let at = 0;
  const markers = first.overload.map((step) => {
    const marker = { x: at, label: `${step.name} (${step.offeredPerS}/s)` };
    at += step.durationS;
    return marker;
  });
  return lineChart(
    'served per second through the overload',
    'served within 1 s, req/s',
    phases.map(([name, phase]) => ({
      label: name,
      colour: COLOURS[name] ?? TONES.neutral,
      points: phase.timeline.map((second) => [second.s, second.served]),
    })),
    { markers, xLabel: 'seconds into the overload' },
  );
}

export function renderCapacityMarkdown(report: CapacityReport): string {
  const phases = phasesOf(report);
  const lines = [
    `# ${report.title}`,
    '',
    report.summary,
    '',
    `Seed ${report.seed} · started ${report.startedAt} · ${report.machine.cpus} CPUs, Node ${report.machine.node}`,
    '',
    '## Verdict',
    '',
    `| | ${phases.map(([name]) => name).join(' | ')} |`,
    `|---|${phases.map(() => '---').join('|')}|`,
    `| capacity | ${phases.map(([, phase]) => capacityText(phase)).join(' | ')} |`,
    ...(phases[0]?.[1].claims ?? []).map(
      (claim, i) =>
        `| ${claim.name} (${claim.limit}) | ${phases.map(([, phase]) => `${phase.claims[i]?.passed ? '✓' : '✗'} ${phase.claims[i]?.value}`).join(' | ')} |`,
    ),
    '',
  ];
  for (const [name, phase] of phases) {
    lines.push(
      `## Phase ${name}: ${phase.passed ? 'holds' : 'fails'}`,
      '',
      `| ${STEP_HEAD.join(' | ')} |`,
      `|${STEP_HEAD.map(() => '---').join('|')}|`,
      ...[...phase.search, ...phase.overload].map((step) => `| ${stepRow(step).join(' | ')} |`),
      '',
      `Audit after the shop settled: ${auditText(phase)}. Grafana for the phase: ${phase.links.grafana}`,
      '',
    );
  }
  for (const note of report.notes) lines.push(`_${note}_`, '');
  return `${lines.join('\n')}\n`;
}

function auditText(phase: CapacityPhase): string {
  const found = Object.entries(phase.invariants).filter(([, count]) => count > 0);
  return found.length === 0 ? 'nothing wrong' : found.map(([name, count]) => `${name} ${count}`).join(', ');
}

function traceLinks(urls: string[]): string {
  return (
    urls
      .map(
        (url) => `<a href="${escapeHtml(url)}">${escapeHtml(url.split('/').pop()?.slice(0, 12) ?? '')}…</a>`,
      )
      .join(' ') || 'none'
  );
}

/** The report as one self-contained page: inline CSS and SVG, no scripts, opens offline. */
export function renderCapacityHtml(report: CapacityReport): string {
  const phases = phasesOf(report);
  const verdict = table(
    ['', ...phases.map(([name]) => name)],
    [
      ['capacity', ...phases.map(([, phase]) => `<strong>${escapeHtml(capacityText(phase))}</strong>`)],
      ...(phases[0]?.[1].claims ?? []).map((claim, i) => [
        `${escapeHtml(claim.name)} (${escapeHtml(claim.limit)})`,
        ...phases.map(([, phase]) => {
          const mine = phase.claims[i];
          return mine
            ? `<span class="${mine.passed ? 'pass' : 'fail'}">${mine.passed ? '✓' : '✗'} ${escapeHtml(mine.value)}</span>`
            : '';
        }),
      ]),
    ],
  );
  const sections = phases
    .map(
      ([name, phase]) => `<section class="phase" data-phase="${name}">
<h2>Phase <em style="color:${COLOURS[name]}">${name}</em>: ${phase.passed ? '<span class="pass">holds</span>' : '<span class="fail">fails</span>'}</h2>
${table(
  STEP_HEAD,
  [...phase.search, ...phase.overload].map((step) => stepRow(step).map(escapeHtml)),
)}
<p>Audit after the shop settled: ${escapeHtml(auditText(phase))} · <a href="${escapeHtml(phase.links.grafana)}">Grafana, this phase's time range</a></p>
<p>Slowest requests' traces: ${traceLinks(phase.links.slowestTraces)} · failed (not shed): ${traceLinks(phase.links.failedTraces)}</p>
</section>`,
    )
    .join('');
  const { objective, overload, stepUp, mix, clientTimeoutMs } = report.settings;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
${REPORT_STYLE}</head><body>
<h1>${escapeHtml(report.title)}</h1>
<p>${escapeHtml(report.summary)}</p>
<p>Seed ${report.seed} · started ${escapeHtml(report.startedAt)} · ${report.machine.cpus} CPUs, Node ${escapeHtml(report.machine.node)} ·
mix ${escapeHtml(
    Object.entries(mix)
      .map(([endpoint, share]) => `${endpoint} ${Math.round((share ?? 0) * 100)} %`)
      .join(', '),
  )} ·
steps of ${stepUp.stepS} s from ${stepUp.startPerS}/s, ×${stepUp.growth} · overload ${overload.factors.join('×, ')}× for ${overload.stepS} s each, then ${overload.afterFactor}× for ${overload.afterS} s ·
served means 2xx within ${objective.latencyMs} ms; clients give up after ${clientTimeoutMs / 1000} s and never retry</p>
<h2>Verdict</h2>${verdict}
<div class="charts"><figure><figcaption>goodput against offered load</figcaption>${capacityCurveSvg(report)}</figure>
<figure><figcaption>served per second through the overload</figcaption>${capacityOverloadSvg(report)}</figure></div>
${sections}
${report.notes.map((note) => `<p><small>${escapeHtml(note)}</small></p>`).join('')}
</body></html>
`;
}

/** Writes report.json, report.md and report.html into `<outRoot>/capacity-<time>/`. */
export function writeCapacityReport(
  report: CapacityReport,
  outRoot: string,
  jsonFile?: string,
): Promise<string> {
  const render = { markdown: renderCapacityMarkdown(report), html: renderCapacityHtml(report) };
  return writeReportFiles(outRoot, report.experiment, report.startedAt, report, render, jsonFile);
}
