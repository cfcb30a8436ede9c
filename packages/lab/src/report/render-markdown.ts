import { ladderMarkdown } from './render-ladder';
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

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function phaseSection(name: string, phase: PhaseReport): string {
  const rows = Object.entries(phase.endpoints).map(([endpoint, e]) => {
    return `| ${endpoint} | ${e.requests} | ${e.latencyMs.p50} | ${e.latencyMs.p95} | ${e.latencyMs.p99} | ${e.latencyMs.max} | ${percent(e.errorRate)} | ${percent(e.timeoutRate)} |`;
  });
  const probes = phase.hypothesis.probes.map(
    (p) => `| ${p.passed ? '✓' : '✗'} ${p.name} | ${formatValue(p.value, p.unit)} | ${p.tolerance} |`,
  );
  const flags =
    Object.entries(phase.flags)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(', ') || 'defaults';
  return `## Phase ${name}: hypothesis ${phase.hypothesis.passed ? 'holds ✅' : 'fails ❌'}

Flags: ${flags}. ${phase.durationS} s from ${phase.startedAt}. [Grafana for this phase](${phase.links.grafana})

| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors | timeouts |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

| probe | value | tolerance |
|---|---|---|
${probes.join('\n')}

Slowest traces: ${phase.links.traces.slowest.map((url, i) => `[${phase.traces.slowest[i]?.slice(0, 8)}](${url})`).join(', ') || 'none'}
Failed traces: ${phase.links.traces.failed.map((url, i) => `[${phase.traces.failed[i]?.slice(0, 8)}](${url})`).join(', ') || 'none'}
${firingAlertsText(phase)}
`;
}

export function renderMarkdown(report: LabReport): string {
  const phases = namedPhases(report);
  const invariants = invariantNames(phases).map(
    (name) =>
      `| ${name} | ${phases
        .map(([, phase]) => {
          const { before, after } = invariantText(phase, name);
          return before === undefined ? after : `${before} → ${after}`;
        })
        .join(' | ')} |`,
  );
  const repairs = phases.flatMap(([name, phase]) => repairText(name, phase) ?? []);
  const headlines = headlineLines(report);
  const verdicts = phases.map(
    ([name, phase]) => `- ${name}: hypothesis ${phase.hypothesis.passed ? 'holds' : 'fails'}`,
  );
  return `# ${report.title}
${headlines.length ? `\n## The lesson in numbers\n\n${[...headlines.map((line) => `- ${line}`), ...verdicts].join('\n')}\n` : ''}
${ladderMarkdown(report)}
${report.summary}

Seed ${report.seed}, started ${report.startedAt}. Client timeout ${report.load.clientTimeoutMs} ms; on failure ${report.load.client}.

${report.load.acts
  .map(
    (act) =>
      `- act **${act.name}**, ${act.durationS} s: ${Object.entries(act.ratePerS)
        .map(([endpoint, rate]) => `${endpoint} ${Number(rate).toFixed(1)}/s`)
        .join(', ')}${
        Object.keys(act.faults).length
          ? `; faults ${Object.entries(act.faults)
              .map(([k, v]) => `\`${k}=${v}\``)
              .join(', ')}`
          : ''
      }`,
  )
  .join('\n')}
${
  report.compare
    ? `\nBroken beside fixed, the slowest ${report.compare.endpoint}${report.compare.act ? ` in ${report.compare.act}` : ''}: [broken](${report.compare.links.broken}), [fixed](${report.compare.links.fixed}), [side by side in the lab console](${report.compare.links.compare}).\n`
    : ''
}
## Invariants (from \`lab check\`)

| invariant | ${phases.map(([name]) => name).join(' | ')} |
|---|${phases.map(() => '---|').join('')}
${invariants.join('\n')}

${repairs.join('\n\n')}

${phases.map(([name, phase]) => phaseSection(name, phase)).join('\n')}
${report.notes.map((note) => `> ${note}`).join('\n')}
`;
}
