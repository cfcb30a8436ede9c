import { parseArgs } from 'node:util';

/** A mistake in how the CLI was called; the CLI prints the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs node's parseArgs (strict); its complaints become usage errors. */
export function usage<T>(parseWords: () => T): T {
  try {
    return parseWords();
  } catch (error) {
    throw new UsageError(plainUsageMessage((error as Error).message));
  }
}

/**
 * Node's parser says "argument is ambiguous" for `--orders -5` (a value starting with a dash looks
 * like an option): say what it means for the lab's options, which all take numbers ≥ 0 or names.
 */
function plainUsageMessage(message: string): string {
  const ambiguous = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} was given a value starting with "-": it takes a number ≥ 0`;
  return message.split('\n')[0] as string;
}

/**
 * The words of a repair of history (`lab backfill invoices`, `lab repair stale-prices`): the one thing
 * it repairs, named, then `--dry-run` (list, change nothing) and `--json`.
 */
export function repairWords(
  words: string[],
  verb: string,
  subject: string,
): { dryRun: boolean; json: boolean } {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: words,
      options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (positionals[0] !== subject || positionals.length > 1) {
    throw new UsageError(`name what to ${verb}: ${subject} (not "${positionals.join(' ') || 'nothing'}")`);
  }
  return { dryRun: values['dry-run'] ?? false, json: values.json ?? false };
}

export function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got "${value}"`);
  return number;
}
