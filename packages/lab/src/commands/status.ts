import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { readLabState } from '../supervisor/lab-state';
import { isReady } from '../supervisor/readiness';
import { usage } from './args';

export const statusHelp = `lab status [--json]
  Each service, its URL and whether it answers ready; with a lab started by \`lab up\` (or by
  \`lab run\`/\`lab chaos\`) on this machine, also its process id, how often the supervisor restarted it
  after it exited unexpectedly, its last exit and how long it took to be ready again.
  Exit status 1 when any is not ready.`;

export async function status(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({ args: words, options: { json: { type: 'boolean' } }, allowPositionals: false, strict: true }),
  );
  const state = await readLabState(options.stateDir);
  const rows = await Promise.all(
    labServices(options).map(async (service) => {
      const supervised = state?.services.find((each) => each.name === service.name);
      return {
        service: service.name,
        url: service.url,
        ready: await isReady(service.url),
        ...(supervised
          ? {
              pid: supervised.pid ?? null,
              restarts: supervised.restarts,
              lastExit: supervised.lastExit ?? null,
              lastRecoveryMs: supervised.lastRecoveryMs ?? null,
            }
          : {}),
      };
    }),
  );
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          supervisor: state ? { pid: state.supervisorPid, startedAt: state.startedAt } : null,
          services: rows,
        },
        null,
        2,
      ),
    );
  } else {
    for (const row of rows) {
      const restarts =
        'restarts' in row && row.restarts
          ? `  restarted ${row.restarts}× (last: ${row.lastExit?.signal ?? `code ${row.lastExit?.code}`})`
          : '';
      console.log(
        `${row.service.padEnd(18)} ${row.url.padEnd(24)} ${row.ready ? 'ready' : 'NOT READY'}${restarts}`,
      );
    }
    if (!state) console.log('\n(no supervisor of this lab runs on this machine: restarts are not known)');
  }
  return rows.every((row) => row.ready) ? 0 : 1;
}
