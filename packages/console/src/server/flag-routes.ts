import { readFile } from 'node:fs/promises';
import { FlagError, listFlags, readFlagFile, setFlags } from '@incident-lab/flags';
import type { SignalRecorder } from '../signals/signal-recorder';
import type { ConsoleHost } from './console-host';
import { ProblemError, readJsonObject, sendJson } from './http-helpers';
import type { Route } from './route';

/**
 * The flags: every flag with its description and variant, and what each service applies now
 * (`/health/flags`), so the page shows the change until every service agrees. Changes go through
 * `setFlags`, the code `lab flags set` uses: the same validation, the same messages.
 */
export function flagRoutes(host: ConsoleHost): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/api\/flags$/,
      handle: async ({ response }) => {
        const flags = listFlags(await readFlagFile(host.flagFile));
        const applied = Object.fromEntries(
          await Promise.all(
            host.services.map(async (service) => [service.name, await appliedFlags(service.url)]),
          ),
        );
        sendJson(response, 200, { file: host.flagFile, flags, applied });
      },
    },
    {
      method: 'PUT',
      path: /^\/api\/flags$/,
      handle: async ({ request, response }) => {
        const body = await readJsonObject(request);
        const wanted = body.set;
        if (
          typeof wanted !== 'object' ||
          wanted === null ||
          Array.isArray(wanted) ||
          Object.keys(wanted).length === 0
        ) {
          throw new ProblemError(
            400,
            'Bad Request',
            'send {"set": {"<flag>": "<variant>"}} with at least one flag',
          );
        }
        const assignments: Record<string, string> = {};
        for (const [key, value] of Object.entries(wanted)) {
          if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
            throw new ProblemError(400, 'Bad Request', `the value for ${key} must be a variant name`);
          }
          assignments[key] = String(value);
        }
        try {
          const changed = await setFlags(host.flagFile, assignments);
          await host.flagsChanged?.(
            `flags: ${changed.map((flag) => `${flag.key}=${flag.variant}`).join(', ')}`,
          );
          sendJson(response, 200, { changed });
        } catch (error) {
          if (error instanceof FlagError) throw new ProblemError(400, 'Bad Request', error.message);
          throw error;
        }
      },
    },
  ];
}

async function appliedFlags(url: string): Promise<Record<string, unknown> | null> {
  try {
    const answer = await fetch(`${url}/health/flags`, { signal: AbortSignal.timeout(1_500) });
    if (!answer.ok) return null;
    return ((await answer.json()) as { flags: Record<string, unknown> }).flags;
  } catch {
    return null;
  }
}

/**
 * Marks every flag change on the charts, whoever made it (the console, `lab flags set`, an editor):
 * the flag file is read each second and compared with what was there before.
 */
export function watchFlagFile(file: string, recorder: SignalRecorder): () => void {
  let last: Record<string, string> | undefined;
  const timer = setInterval(async () => {
    try {
      const flags = (
        JSON.parse(await readFile(file, 'utf8')) as { flags: Record<string, { defaultVariant: string }> }
      ).flags;
      const now = Object.fromEntries(Object.entries(flags).map(([key, flag]) => [key, flag.defaultVariant]));
      if (last) {
        const changes = Object.entries(now).filter(([key, variant]) => last?.[key] !== variant);
        if (changes.length > 0)
          recorder.mark(changes.map(([key, variant]) => `${key}=${variant}`).join(', '));
      }
      last = now;
    } catch {
      // A file being rewritten is read again next second.
    }
  }, 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
