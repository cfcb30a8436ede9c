import { ENDPOINT_GROUPS } from '@incident-lab/scenarios';
import { escapeHtml, textToHtml } from './html-escape';
import { REPORT_STYLE, table } from './html-page';
import { COMPARE_STYLE, compareSection } from './render-compare';
import type { LabReport, PhaseReport } from './report';
import {
  firingAlertsText,
  formatValue,
  headlineLines,
  invariantNames,
  invariantText,
  repairText,
} from './report-text';
import { barChart, lineChart, type Series } from './svg-charts';

const COLOURS: Record<string, string> = { broken: '#dc2626', fixed: '#16a34a', custom: '#2563eb' };

/** A figure with one bar per phase for each category, broken beside fixed. */
function phaseBars(
  phases: Array<[string, PhaseReport]>,
  caption: string,
  title: string,
  axis: string,
  categories: string[],
  value: (phase: PhaseReport, category: string) => number,
): string {
  const series = phases.map(([name, phase]) => ({
    label: name,
    colour: COLOURS[name] ?? '#000',
    values: categories.map((category) => value(phase, category)),
  }));
  return `<figure><figcaption>${caption}</figcaption>${barChart(title, axis, categories, series)}</figure>`;
}

function phaseCard(name: string, phase: PhaseReport): string {
  const verdict = phase.hypothesis.passed
    ? '<span class="pass">holds</span>'
    : '<span class="fail">fails</span>';
  const endpoints = Object.entries(phase.endpoints).map(([endpoint, e]) => {
    return [
      endpoint,
      String(e.requests),
      String(e.latencyMs.p50),
      String(e.latencyMs.p95),
      String(e.latencyMs.p99),
      String(e.latencyMs.max),
      `${(e.errorRate * 100).toFixed(1)}%`,
      `${(e.timeoutRate * 100).toFixed(1)}%`,
    ];
  });
  const probes = phase.hypothesis.probes.map((p) => [
    `<span class="${p.passed ? 'pass' : 'fail'}">${p.passed ? '✓' : '✗'}</span> ${escapeHtml(p.name)}`,
    formatValue(p.value, p.unit),
    escapeHtml(p.tolerance),
  ]);
  const traceLinks = (ids: string[], urls: string[]) =>
    ids.map((id, i) => `<a href="${escapeHtml(urls[i] ?? '#')}">${id.slice(0, 12)}…</a>`).join(' ') || 'none';
  return `<section class="phase" data-phase="${name}">
<h2>Phase <em style="color:${COLOURS[name]}">${name}</em>: hypothesis ${verdict}</h2>
<p>Flags: ${
    Object.entries(phase.flags)
      .map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`)
      .join(' ') || 'defaults'
  }
· ${phase.durationS} s · <a href="${escapeHtml(phase.links.grafana)}">Grafana, this phase's time range</a></p>
${table(['endpoint', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'timeouts'], endpoints)}
${table(['probe', 'value', 'tolerance'], probes)}
<p>Slowest traces (in ${phase.links.traces.viewer}): ${traceLinks(phase.traces.slowest, phase.links.traces.slowest)}</p>
<p>Failed traces (in ${phase.links.traces.viewer}): ${traceLinks(phase.traces.failed, phase.links.traces.failed)}</p>
<p>${textToHtml(firingAlertsText(phase))}</p>
</section>`;
}

/** The report as one self-contained page: inline CSS and SVG, no scripts, opens offline. */
export function renderHtml(report: LabReport): string {
  const phases = Object.entries(report.phases) as Array<[string, PhaseReport]>;
  const groups = ENDPOINT_GROUPS.filter((endpoint) =>
    phases.some(([, phase]) => phase.timeline.some((point) => point.endpoint === endpoint)),
  );
  const endpoints = [...new Set(phases.flatMap(([, phase]) => Object.keys(phase.endpoints)))];
  const latencyCharts = groups
    .map((endpoint) => {
      const series: Series[] = phases.map(([name, phase]) => ({
        label: name,
        colour: COLOURS[name] ?? '#000',
        points: phase.timeline
          .filter((point) => point.endpoint === endpoint && point.requests > 0)
          .map((point) => [point.second, point.p95Ms]),
      }));
      return `<figure><figcaption>${endpoint}: p95 latency per second</figcaption>${lineChart(`${endpoint}: p95 latency per second`, 'p95 ms', series)}</figure>`;
    })
    .join('');
  const errorChart = phaseBars(
    phases,
    'errors and timeouts, share of requests',
    'errors and timeouts per endpoint',
    'share of requests (%)',
    endpoints,
    (phase, endpoint) => {
      const e = phase.endpoints[endpoint];
      return e ? Math.round((e.errorRate + e.timeoutRate) * 1000) / 10 : 0;
    },
  );
  const names = invariantNames(phases);
  const invariants = table(
    ['invariant', ...phases.map(([name]) => name)],
    names.map((name) => [
      name,
      ...phases.map(([, phase]) => {
        const { before, after } = invariantText(phase, name);
        return `${before === undefined ? '' : `${before} → `}<span class="${after === 0 ? 'pass' : 'fail'}">${after}</span>`;
      }),
    ]),
  );
  const broken = names.filter((inv) =>
    phases.some(([, phase]) => phase.invariants[inv as keyof PhaseReport['invariants']] > 0),
  );
  const invariantChart = broken.length
    ? phaseBars(
        phases,
        'what the audit found after each phase',
        'invariant violations per phase',
        'count',
        broken,
        (phase, inv) => phase.invariants[inv as keyof PhaseReport['invariants']],
      )
    : '';
  const repairs = phases
    .flatMap(([name, phase]) => repairText(name, phase) ?? [])
    .map((text) => `<p>${textToHtml(text)}</p>`)
    .join('');
  // The lesson first: the scenario's headline numbers, then every verdict in one line each.
  const headlines = headlineLines(report);
  const verdicts = phases
    .map(
      ([name, phase]) =>
        `<li>${escapeHtml(name)}: hypothesis ${phase.hypothesis.passed ? '<span class="pass">holds</span>' : '<span class="fail">fails</span>'}</li>`,
    )
    .join('');
  const headline = headlines.length
    ? `<section class="headline"><h2>The lesson in numbers</h2><ul>${headlines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}${verdicts}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
${REPORT_STYLE}${COMPARE_STYLE}</head><body>
<h1>${escapeHtml(report.title)}</h1>
${headline}
<p>${escapeHtml(report.summary)}</p>
<p>Seed ${report.seed} · started ${escapeHtml(report.startedAt)} · client timeout ${report.load.clientTimeoutMs} ms · on failure <code>${escapeHtml(report.load.client)}</code></p>
${compareSection(report)}
<h2>Latency over time</h2><div class="charts">${latencyCharts}</div>
<h2>Errors</h2><div class="charts">${errorChart}</div>
<h2>Invariants</h2>${invariants}${repairs}<div class="charts">${invariantChart}</div>
<div class="phases">${phases.map(([name, phase]) => phaseCard(name, phase)).join('')}</div>
${report.notes.map((note) => `<p><small>${escapeHtml(note)}</small></p>`).join('')}
</body></html>
`;
}
