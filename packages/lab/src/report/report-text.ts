import type { PhaseReport } from './report';

/**
 * The report's sentences, made once from the report model and rendered by both report.md and
 * report.html (which escapes them and turns `code` into <code>). Code spans are marked with
 * backticks, as in Markdown.
 */

type InvariantName = keyof PhaseReport['invariants'];

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
  return `Repair after the ${phaseName} load: ${actions || 'no repairs'} (invariants shown as before → after).`;
}

/** The invariants every phase reports, in the report's order. */
export function invariantNames(phases: Array<[string, PhaseReport]>): InvariantName[] {
  return Object.keys(phases[0]?.[1].invariants ?? {}) as InvariantName[];
}
