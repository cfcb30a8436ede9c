/** A mistake in how the CLI was called; the CLI prints the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs node's parseArgs (strict); its complaints become usage errors. */
export function usage<T>(parseWords: () => T): T {
  try {
    return parseWords();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got "${value}"`);
  return number;
}
