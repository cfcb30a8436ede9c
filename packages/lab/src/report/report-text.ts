import type { LabReport, PhaseReport, ProbeResult } from './report';

/**
 * The report's sentences, made once from the report model and rendered by both report.md and
 * report.html (which escapes them and turns `code` into <code>). Code spans are marked with
 * backticks, as in Markdown.
 */

type InvariantName = keyof PhaseReport['invariants'];

/**
 * The OpenTelemetry SDK's own count of the spans its batch processor finished with: exported, or
 * not, with the reason as `error_type` (`queue_full`: dropped because the exporter fell behind).
 */
export const SDK_SPANS = 'otel_sdk_processor_span_processed_total';

/** What the services' SDKs did with a phase's spans: exported, dropped, failed to export. */
export function spansText(phaseName: string, phase: PhaseReport): string | undefined {
  let exported = 0;
  let dropped = 0;
  let failed = 0;
  for (const counters of Object.values(phase.server)) {
    for (const [key, value] of Object.entries(counters)) {
      if (key === SDK_SPANS) exported += value;
      else if (key === `${SDK_SPANS}{error_type="queue_full"}`) dropped += value;
      else if (key.startsWith(`${SDK_SPANS}{`)) failed += value;
    }
  }
  if (exported + dropped + failed === 0) return undefined;
  return `Spans of phase ${phaseName}: ${exported} exported, ${dropped} dropped because a service's span queue was full, ${failed} whose export failed (the services' \`${SDK_SPANS}\`).`;
}

/** The report's phases under the names a reader sees: `broken`/`fixed`, or the scenario's own. */
export function namedPhases(report: LabReport): Array<[string, PhaseReport]> {
  return (Object.entries(report.phases) as Array<[string, PhaseReport]>).map(([key, phase]) => [
    report.phaseNames?.[key as 'broken' | 'fixed'] ?? key,
    phase,
  ]);
}

/** What fired after the load, what the note says about it, and what the repair resolved. */
export function firingAlertsText(phase: PhaseReport): string {
  const { firing, note, resolvedByRepair } = phase.alerts;
  return [
    `Firing alerts after the load: ${firing.join(', ') || 'none'}`,
    note ? ` (${note})` : '',
    resolvedByRepair ? `; resolved by the repair: ${resolvedByRepair.join(', ') || 'none'}` : '',
  ].join('');
}

/** An invariant's count after the phase, as "before → after" when a repair ran. */
export function invariantText(phase: PhaseReport, name: InvariantName): { before?: number; after: number } {
  return { before: phase.repair?.invariantsBefore[name], after: phase.invariants[name] };
}

/** What the repair after a phase did, or undefined when none ran. */
export function repairText(phaseName: string, phase: PhaseReport): string | undefined {
  if (!phase.repair) return undefined;
  const actions = Object.entries(phase.repair.actions)
    .map(([action, count]) => `${count} \`${action}\``)
    .join(', ');
  const settled = phase.repair.settledByShop ?? 0;
  const byShop = settled
    ? `; the shop itself settled ${settled} PENDING ${settled === 1 ? 'order' : 'orders'} meanwhile (storefront's relay or a late event)`
    : '';
  return `Repair after the ${phaseName} load: ${actions || 'no repairs'}${byShop} (invariants shown as before → after).`;
}

/** The invariants every phase reports, in the report's order. */
export function invariantNames(phases: Array<[string, PhaseReport]>): InvariantName[] {
  return Object.keys(phases[0]?.[1].invariants ?? {}) as InvariantName[];
}

/** A probe's value in its unit: "18.1 s", "70.8 ms", "63.2%", "154". */
export function formatValue(value: number, unit: ProbeResult['unit']): string {
  if (!Number.isFinite(value)) return 'no answer';
  if (unit === 'ms')
    return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value * 10) / 10} ms`;
  if (unit === 'share') return `${Math.round(value * 1000) / 10}%`;
  return String(Math.round(value));
}

/**
 * The lesson in numbers, first thing in the report: each headline probe as "login p95 during the
 * report storm: 18.1 s broken → 70.8 ms fixed", in the order the scenario lists them.
 */
export function headlineLines(report: LabReport): string[] {
  const phases = namedPhases(report);
  const first = phases[0]?.[1];
  if (!first) return [];
  return first.hypothesis.probes.flatMap((probe) => {
    if (!probe.headline) return [];
    const values = phases.map(([name, phase]) => {
      const result = phase.hypothesis.probes.find((each) => each.name === probe.name);
      return result ? `${formatValue(result.value, result.unit)} ${name}` : `— ${name}`;
    });
    return [`${probe.headline}: ${values.join(' → ')}`];
  });
}
