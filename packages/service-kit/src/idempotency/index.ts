import path from 'node:path';

export {
  type IdempotentOptions,
  idempotent,
  KEY_LEASE_S,
  KEY_TTL_S,
  type KeyProgress,
  NO_KEY,
  type StoredAnswer,
} from './idempotent';
export { completeAbandonedKeys, type KeyCompleterOptions, startKeyCompleter } from './key-completer';
export { parseIdempotencyKey } from './key-header';
export type { RunSql } from './key-store';

/** The `idempotency_keys` table `idempotent()` needs, for a service's `migrate({ libraries })`. */
export const IDEMPOTENCY_MIGRATIONS = {
  name: 'service-kit',
  dir: path.join(__dirname, '../../migrations/idempotency'),
};
