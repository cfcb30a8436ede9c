import path from 'node:path';

/** How invoicing's schema is built: its own SQL files. The service, the lab CLI and the tests all migrate with this. */
export const MIGRATIONS = { dir: path.join(__dirname, '../migrations') };
