import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ReportEntry } from '../api-types';
import type { SignalRecorder } from '../signals/signal-recorder';
import type { ConsoleHost } from './console-host';
import { ProblemError, readJsonObject, sendJson } from './http-helpers';
import type { Route } from './route';

const LABS = ['smoke', 'cascading', 'partial', 'silent'] as const;

/** A `lab run` the console started: its output so far, streamed to every page watching it. */
interface LiveRun {
  lab: string;
  startedAt: string;
  lines: string[];
  exitCode?: number | null;
  watchers: Set<ServerResponse>;
  child: ChildProcess;
}

/**
 * The reports under `reports/` (listed newest first, served as files), `lab run <lab>` started from
 * the page with its progress as server-sent events, and `lab check`'s findings.
 */
export function runRoutes(host: ConsoleHost, recorder: SignalRecorder, consoleUrl: () => string): Route[] {
  let live: LiveRun | undefined;
  const send = (watcher: ServerResponse, event: string, data: unknown) =>
    watcher.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  return [
    {
      method: 'GET',
      path: /^\/api\/runs$/,
      handle: async ({ response }) => {
        sendJson(response, 200, {
          reports: await listReports(host.reportsDir),
          live: live && { lab: live.lab, startedAt: live.startedAt, exitCode: live.exitCode },
        });
      },
    },
    {
      method: 'POST',
      path: /^\/api\/runs$/,
      handle: async ({ request, response }) => {
        const body = await readJsonObject(request);
        const lab = body.lab;
        if (typeof lab !== 'string' || !(LABS as readonly string[]).includes(lab)) {
          throw new ProblemError(400, 'Bad Request', `lab is one of ${LABS.join(', ')}`);
        }
        if (live && live.exitCode === undefined) {
          throw new ProblemError(409, 'Conflict', `lab run ${live.lab} is still running; one run at a time`);
        }
        const duration = body.durationS;
        if (
          duration !== undefined &&
          (!Number.isInteger(duration) || (duration as number) < 1 || (duration as number) > 600)
        ) {
          throw new ProblemError(400, 'Bad Request', 'durationS is whole seconds per act, from 1 to 600');
        }
        const [command, ...args] = host.labCommand;
        const runArgs = [
          'run',
          lab,
          '--out',
          host.reportsDir,
          ...(duration ? ['--duration', String(duration)] : []),
        ];
        const child = spawn(command as string, [...args, ...runArgs], {
          env: { ...(host.labEnv ?? process.env), LAB_CONSOLE_URL: consoleUrl() },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const run: LiveRun = {
          lab,
          startedAt: new Date().toISOString(),
          lines: [],
          watchers: new Set(),
          child,
        };
        live = run;
        recorder.mark(`lab run ${lab} started`);
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on('line', (line) => {
            run.lines.push(line);
            if (run.lines.length > 2_000) run.lines.shift();
            for (const watcher of run.watchers) send(watcher, 'line', line);
          });
        }
        child.once('exit', (code) => {
          run.exitCode = code;
          recorder.mark(`lab run ${lab} finished`);
          for (const watcher of run.watchers) {
            send(watcher, 'end', { exitCode: code });
            watcher.end();
          }
        });
        sendJson(response, 202, { lab, startedAt: run.startedAt, command: `lab ${runArgs.join(' ')}` });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runs\/live$/,
      handle: ({ request, response }) => {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        if (!live) {
          send(response, 'end', { exitCode: null, none: true });
          response.end();
          return;
        }
        for (const line of live.lines) send(response, 'line', line);
        if (live.exitCode !== undefined) {
          send(response, 'end', { exitCode: live.exitCode });
          response.end();
          return;
        }
        const run = live;
        run.watchers.add(response);
        request.once('close', () => run.watchers.delete(response));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/check$/,
      handle: async ({ response }) => {
        const [command, ...args] = host.labCommand;
        const child = spawn(command as string, [...args, 'check', '--json'], {
          env: host.labEnv ?? process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
        });
        child.stderr.on('data', (chunk) => {
          err += chunk;
        });
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        try {
          sendJson(response, 200, JSON.parse(out));
        } catch {
          throw new ProblemError(
            502,
            'Bad Gateway',
            `lab check exited ${code}: ${(err || out).trim().slice(0, 500)}`,
          );
        }
      },
    },
  ];
}

async function listReports(dir: string): Promise<ReportEntry[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names.map(async (name): Promise<ReportEntry | undefined> => {
      try {
        const report = JSON.parse(await readFile(path.join(dir, name, 'report.json'), 'utf8')) as {
          lab?: string;
          startedAt?: string;
          compare?: ReportEntry['compare'];
          phases?: Record<string, { hypothesis?: { passed?: boolean } }>;
        };
        const phases = Object.values(report.phases ?? {});
        return {
          name,
          lab: String(report.lab ?? name.split('-')[0]),
          startedAt: String(report.startedAt ?? (await stat(path.join(dir, name))).mtime.toISOString()),
          ...(report.compare ? { compare: report.compare } : {}),
          ...(phases.length ? { passed: phases.every((phase) => phase.hypothesis?.passed !== false) } : {}),
        };
      } catch {
        return undefined; // a folder without a finished report
      }
    }),
  );
  return entries
    .filter((entry): entry is ReportEntry => entry !== undefined)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
