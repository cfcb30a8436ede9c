/**
 * A unique key said no: the row is already there. An insert that must happen once catches exactly
 * this error, instead of `INSERT IGNORE`, which also turns out-of-range and truncated values into
 * warnings and stores the clamped value.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'ER_DUP_ENTRY';
}
