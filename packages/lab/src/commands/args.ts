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

export function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got "${value}"`);
  return number;
}
