import { parseArgs } from 'node:util';
import { listFlags, parseAssignments, readFlagFile, setFlags, shippedVariants } from '@incident-lab/flags';
import { annotateFlagChange } from '../clients/grafana-annotations';
import type { LabOptions } from '../settings/lab-options';
import { UsageError, usage } from './args';

export const flagsHelp = `lab flags list [--json]
  Every break/fix flag and fault knob: its current value (and the shipped one where they differ),
  its variants and what it does. The lab's flags are .lab/<namespace>/flags.json, a copy of the
  shipped infra/flagd/flags.json (or FLAGD_OFFLINE_FLAG_SOURCE_PATH).
lab flags set <key>=<value> [<key>=<value> …]
  Sets flags (by variant name or value). Running services apply the change within 5 s; when
  Grafana answers at LAB_GRAFANA_URL the change is marked on its graphs as an annotation.
  An unknown key or value is refused, with the valid ones, and the file is left untouched.
lab flags reset
  Every flag back to its shipped variant: every fault off, every fix off.`;

export async function flagsCommand(words: string[], options: LabOptions): Promise<void> {
  const { values, positionals } = usage(() =>
    parseArgs({ args: words, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  const [action, ...rest] = positionals;
  if (action === 'list' || action === undefined) {
    const flags = listFlags(await readFlagFile(options.flagFile));
    if (values.json) {
      console.log(JSON.stringify({ file: options.flagFile, flags }, null, 2));
      return;
    }
    const shipped = shippedVariants();
    for (const flag of flags) {
      const value = String(flag.value) === flag.variant ? '' : ` (${flag.value})`;
      const changed = shipped[flag.key] === flag.variant ? '' : `   (shipped: ${shipped[flag.key]})`;
      console.log(`${flag.key} = ${flag.variant}${value}${changed}`);
      console.log(`    ${flag.description}`);
      console.log(`    variants: ${Object.keys(flag.variants).join(', ')}  [${flag.kind}, lab: ${flag.lab}]`);
    }
    return;
  }
  if (action === 'set' || action === 'reset') {
    if (action === 'set' && rest.length === 0)
      throw new UsageError('lab flags set needs at least one <key>=<value>');
    if (action === 'reset' && rest.length > 0)
      throw new UsageError(`lab flags reset takes no arguments, got "${rest.join(' ')}"`);
    const assignments = action === 'set' ? parseAssignments(rest) : shippedVariants();
    const changed = await setFlags(options.flagFile, assignments);
    for (const flag of changed) console.log(`${flag.key} = ${flag.variant} (${flag.value})`);
    console.log('Running services apply it within 5 s.');
    // Mark the change on every Grafana graph when Grafana runs; without it the change is only in the file.
    const grafanaUrl = await annotateFlagChange(
      options.observability,
      `flags: ${changed.map((flag) => `${flag.key}=${flag.variant}`).join(', ')}`,
    );
    if (grafanaUrl) console.log(`Marked on Grafana (${grafanaUrl}).`);
    return;
  }
  throw new UsageError(`unknown flags action "${action}"; use list, set or reset`);
}
