import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { migrateAll } from '../shop-data/data';
import { usage } from './args';

export const migrateHelp = `lab migrate
  Creates each service's schema if missing and applies its pending SQL migrations.`;

export async function migrateCommand(words: string[], options: LabOptions): Promise<void> {
  usage(() => parseArgs({ args: words, options: {}, allowPositionals: false, strict: true }));
  for (const [database, files] of Object.entries(await migrateAll(options))) {
    console.log(`${database.padEnd(28)} ${files.length > 0 ? files.join(', ') : 'up to date'}`);
  }
}
