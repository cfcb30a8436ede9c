import { parseArgs } from 'node:util';
import type { LabOptions } from '../stack/lab-options';
import { isReady } from '../stack/run-services';
import { labServices } from '../stack/services';
import { usage } from './args';

export const statusHelp = `lab status [--json]
  Each service, its URL and whether it answers ready. Exit status 1 when any is not ready.`;

export async function status(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({ args: words, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  const rows = await Promise.all(
    labServices(options).map(async (service) => ({
      service: service.name,
      url: service.url,
      ready: await isReady(service.url),
    })),
  );
  if (values.json) {
    console.log(JSON.stringify({ services: rows }, null, 2));
  } else {
    for (const row of rows)
      console.log(`${row.service.padEnd(18)} ${row.url.padEnd(24)} ${row.ready ? 'ready' : 'NOT READY'}`);
  }
  return rows.every((row) => row.ready) ? 0 : 1;
}
