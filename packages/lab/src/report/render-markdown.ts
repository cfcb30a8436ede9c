import type { LabReport, PhaseReport } from './report';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function phaseSection(name: string, phase: PhaseReport): string {
  const rows = Object.entries(phase.endpoints).map(([endpoint, e]) => {
    return `| ${endpoint} | ${e.requests} | ${e.latencyMs.p50} | ${e.latencyMs.p95} | ${e.latencyMs.p99} | ${e.latencyMs.max} | ${percent(e.errorRate)} | ${percent(e.timeoutRate)} |`;
  });
  const probes = phase.hypothesis.probes.map(
    (p) => `| ${p.passed ? '✓' : '✗'} ${p.name} | ${p.value} | ${p.tolerance} |`,
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

Slowest traces: ${phase.links.jaeger.slowest.map((url, i) => `[${phase.traces.slowest[i]?.slice(0, 8)}](${url})`).join(', ') || 'none'}
Failed traces: ${phase.links.jaeger.failed.map((url, i) => `[${phase.traces.failed[i]?.slice(0, 8)}](${url})`).join(', ') || 'none'}
Firing alerts after the load: ${phase.alerts.firing.join(', ') || 'none'}${phase.alerts.note ? ` (${phase.alerts.note})` : ''}${phase.alerts.resolvedByRepair ? `; resolved by the repair: ${phase.alerts.resolvedByRepair.join(', ') || 'none'}` : ''}
`;
}

export function renderMarkdown(report: LabReport): string {
  const phases = Object.entries(report.phases) as Array<[string, PhaseReport]>;
  const invariantNames = Object.keys(phases[0]?.[1].invariants ?? {});
  const invariants = invariantNames.map(
    (name) =>
      `| ${name} | ${phases
        .map(([, phase]) => {
          const key = name as keyof PhaseReport['invariants'];
          return phase.repair
            ? `${phase.repair.invariantsBefore[key]} → ${phase.invariants[key]}`
            : phase.invariants[key];
        })
        .join(' | ')} |`,
  );
  const repairs = phases
    .filter(([, phase]) => phase.repair)
    .map(
      ([name, phase]) =>
        `Repair after the ${name} load: ${
          Object.entries(phase.repair?.actions ?? {})
            .map(([action, count]) => `${count} \`${action}\``)
            .join(', ') || 'no repairs'
        } (invariants shown as before → after).`,
    );
  return `# ${report.title}

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

## Invariants (from \`lab check\`)

| invariant | ${phases.map(([name]) => name).join(' | ')} |
|---|${phases.map(() => '---|').join('')}
${invariants.join('\n')}

${repairs.join('\n\n')}

${phases.map(([name, phase]) => phaseSection(name, phase)).join('\n')}
${report.notes.map((note) => `> ${note}`).join('\n')}
`;
}
