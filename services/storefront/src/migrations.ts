import path from 'node:path';
import { IDEMPOTENCY_MIGRATIONS } from '@incident-lab/service-kit';

/** How storefront's schema is built: its own SQL files, then service-kit's idempotency keys. The service, the lab CLI and the tests all migrate with this. */
export const MIGRATIONS = { dir: path.join(__dirname, '../migrations'), libraries: [IDEMPOTENCY_MIGRATIONS] };
