import { ENDPOINT_GROUPS } from '@incident-lab/scenarios';
import { escapeHtml, textToHtml } from './html-escape';
import { COLOURS, REPORT_STYLE, TONES, table } from './html-page';
import { COMPARE_STYLE, compareSection } from './render-compare';
import { ladderHtml } from './render-ladder';
import type { LabReport, PhaseReport } from './report';
import {
  firingAlertsText,
  formatValue,
  headlineLines,
  invariantNames,
  invariantText,
  namedPhases,
  repairText,
} from './report-text';
import { barChart, lineChart, type Marker, niceMax } from './svg-charts';

/** The one meaning of "failed" in every chart and table of the report. */
const FAILED =
  'failed means answered with a status other than 2xx (a 5xx, a 402 payment failure, a 503 refusal) or given up on by the client after its timeout';

/** Where each act starts, in seconds into the phase: drawn and named on every chart over time. */
function actMarkers(report: LabReport): Marker[] {
  let at = 0;
  return report.load.acts.map((act) => {
    const marker = { x: at, label: `act ${act.name}` };
    at += act.durationS;
    return marker;
  });
}

/** The acts: how long, how much load, which faults struck. */
function actsTable(report: LabReport): string {
  return table(
    ['act', 'seconds', 'load (requests per second)', 'faults'],
    report.load.acts.map((act) => [
      escapeHtml(act.name),
      String(act.durationS),
      escapeHtml(
        Object.entries(act.ratePerS)
          .map(([endpoint, rate]) => `${endpoint} ${Number(rate).toFixed(1)}`)
          .join(', '),
      ),
      Object.entries(act.faults)
        .map(([key, value]) => `<code>${escapeHtml(key)}=${escapeHtml(value)}</code>`)
        .join(' ') || 'none',
    ]),
    true,
  );
}

/**
 * Per endpoint, the p95 of the requests that succeeded beside the share that failed, each second:
 * a fast failure can no longer pass for good latency.
 */
function endpointCharts(report: LabReport, phases: Array<[string, PhaseReport]>, endpoint: string): string {
  const markers = actMarkers(report);
  const xMax = report.load.acts.reduce((sum, act) => sum + act.durationS, 0);
  const points = (phase: PhaseReport) => phase.timeline.filter((point) => point.endpoint === endpoint);
  const latency = lineChart(
    `${endpoint}: p95 of the requests that succeeded, per second`,
    'p95 ms (successes)',
    phases.map(([name, phase]) => ({
      label: name,
      colour: COLOURS[name] ?? '#000',
      // A second in which nothing succeeded has no p95: a gap in the line, not a slope across it.
      points: points(phase).map((point): [number, number | null] => [point.second, point.okP95Ms ?? null]),
    })),
    { markers, xMax },
  );
  const anyFailed = phases.some(([, phase]) => points(phase).some((point) => point.failed > 0));
  const failures = anyFailed
    ? lineChart(
        `${endpoint}: share of requests that failed, per second`,
        'failed (%)',
        phases.map(([name, phase]) => ({
          label: name,
          colour: COLOURS[name] ?? '#000',
          points: points(phase)
            .filter((point) => point.requests > 0)
            .map((point): [number, number] => [
              point.second,
              Math.round((point.failed / point.requests) * 1000) / 10,
            ]),
        })),
        { markers, xMax, yMax: 100 },
      )
    : `<p class="empty">${escapeHtml(endpoint)}: no request failed, in any phase.</p>`;
  return `<figure><figcaption>${escapeHtml(endpoint)}: p95 of successes</figcaption>${latency}</figure><figure><figcaption>${escapeHtml(endpoint)}: share failed</figcaption>${failures}</figure>`;
}

/** The scenario's causes over time, one chart per phase on one scale, acts marked. */
function causeCharts(report: LabReport, phases: Array<[string, PhaseReport]>): string {
  const withCauses = phases.filter(([, phase]) => phase.causes?.length);
  const first = withCauses[0]?.[1].causes;
  if (!first) return '';
  const markers = actMarkers(report);
  const xMax = report.load.acts.reduce((sum, act) => sum + act.durationS, 0);
  const rows = first.map((chart) => {
    const same = withCauses.map(
      ([name, phase]) => [name, phase.causes?.find((each) => each.id === chart.id)] as const,
    );
    const yMax = niceMax(
      Math.max(
        1,
        ...same.flatMap(
          ([, each]) => each?.series.flatMap((series) => series.points.map(([, y]) => y ?? 0)) ?? [],
        ),
      ),
    );
    const figures = same
      .map(([name, each]) => {
        const title = `${chart.title} (${chart.unit}), ${name}`;
        const series = (each?.series ?? []).map((series) => ({
          label: series.label,
          colour: TONES[series.tone as keyof typeof TONES] ?? TONES.neutral,
          points: series.points,
        }));
        return `<figure data-cause="${escapeHtml(chart.id)}" data-phase="${escapeHtml(name)}"><figcaption>${escapeHtml(chart.title)} — <em style="color:${COLOURS[name] ?? '#000'}">${escapeHtml(name)}</em></figcaption>${lineChart(title, chart.unit, series, { markers, xMax, yMax })}</figure>`;
      })
      .join('');
    return `<div class="charts">${figures}</div>`;
  });
  return `<h2>Causes over time</h2><p>What the services' /metrics said each second of the load: the same charts as the lab console's Signals view. Act boundaries are the dashed lines.</p>${rows.join('')}`;
}

/** Each service's counters over each phase, side by side. */
function serverCounters(phases: Array<[string, PhaseReport]>): string {
  const keys = [
    ...new Set(
      phases.flatMap(([, phase]) =>
        Object.entries(phase.server).flatMap(([service, counters]) =>
          Object.keys(counters).map((name) => `${service} ${name}`),
        ),
      ),
    ),
  ].sort();
  const rows = keys
    .map((key) => {
      const [service, name] = key.split(' ') as [string, string];
      const values = phases.map(([, phase]) => phase.server[service]?.[name] ?? 0);
      return values.some((value) => value !== 0)
        ? [escapeHtml(service), `<code>${escapeHtml(name)}</code>`, ...values.map(String)]
        : undefined;
    })
    .filter((row): row is string[] => row !== undefined);
  return rows.length
    ? `<h2>Server counters</h2><p>What each service counted during each phase (its /metrics before and after).</p>${table(['service', 'counter', ...phases.map(([name]) => name)], rows)}`
    : '';
}

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
${table(['endpoint', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-2xx answers', 'client timeouts'], endpoints)}
${table(['probe', 'value', 'tolerance'], probes)}
<p>Slowest traces (in ${phase.links.traces.viewer}): ${traceLinks(phase.traces.slowest, phase.links.traces.slowest)}</p>
<p>Failed traces (in ${phase.links.traces.viewer}): ${traceLinks(phase.traces.failed, phase.links.traces.failed)}</p>
<p>${textToHtml(firingAlertsText(phase))}</p>
</section>`;
}

/** The report as one self-contained page: inline CSS and SVG, no scripts, opens offline. */
export function renderHtml(report: LabReport): string {
  const phases = namedPhases(report);
  const groups = ENDPOINT_GROUPS.filter((endpoint) =>
    phases.some(([, phase]) => phase.timeline.some((point) => point.endpoint === endpoint)),
  );
  const endpoints = [...new Set(phases.flatMap(([, phase]) => Object.keys(phase.endpoints)))];
  const latencyCharts = groups
    .map((endpoint) => `<div class="charts">${endpointCharts(report, phases, endpoint)}</div>`)
    .join('');
  const anyFailed = phases.some(([, phase]) =>
    Object.values(phase.endpoints).some((e) => e.errorRate + e.timeoutRate > 0),
  );
  const errorChart = anyFailed
    ? phaseBars(
        phases,
        'failed (5xx, refused or timed out), share of requests',
        'failed requests per endpoint',
        'failed (%)',
        endpoints,
        (phase, endpoint) => {
          const e = phase.endpoints[endpoint];
          return e ? Math.round((e.errorRate + e.timeoutRate) * 1000) / 10 : 0;
        },
      )
    : '<p class="empty">No request failed, in any phase.</p>';
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
${ladderHtml(report)}
<p>${escapeHtml(report.summary)}</p>
<p>Seed ${report.seed} · started ${escapeHtml(report.startedAt)} · client timeout ${report.load.clientTimeoutMs} ms · on failure <code>${escapeHtml(report.load.client)}</code></p>
<h2>The acts</h2>${actsTable(report)}
<h2>Latency and failures over time</h2><p>Latency is of the requests that succeeded; ${escapeHtml(FAILED)}. Dashed lines: where each act starts.</p>${latencyCharts}
${causeCharts(report, phases)}
${compareSection(report)}
<h2>Failures per endpoint</h2><div class="charts">${errorChart}</div>
<h2>Invariants</h2>${invariants}${repairs}<div class="charts">${invariantChart}</div>
<div class="phases">${phases.map(([name, phase]) => phaseCard(name, phase)).join('')}</div>
${serverCounters(phases)}
${report.notes.map((note) => `<p><small>${escapeHtml(note)}</small></p>`).join('')}
</body></html>
`;
}
