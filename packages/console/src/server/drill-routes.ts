import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConsoleHost } from './console-host';
import { ProblemError, readJsonObject, sendJson } from './http-helpers';
import type { Route } from './route';

const ACTIONS = ['detect', 'diagnose', 'hint', 'rollback'] as const;

/**
 * The game day from the page: the running drill's public status (what `lab drill status` shows: no
 * fault, no time it struck), and the learner's actions, each carried out by `lab drill <action>` as
 * the terminal would, so the rules live in one place.
 */
export function drillRoutes(host: ConsoleHost): Route[] {
  const drill = host.drill;
  return [
    {
      method: 'GET',
      path: /^\/api\/drill$/,
      handle: async ({ response }) => {
        const text = drill ? await readFile(drill.statusFile, 'utf8').catch(() => undefined) : undefined;
        const status: { running?: boolean; report?: string } = text ? JSON.parse(text) : { running: false };
        // The report as the console serves it, when it sits under the reports folder.
        const report =
          status.report && !path.relative(host.reportsDir, status.report).startsWith('..')
            ? `/reports/${path.relative(host.reportsDir, status.report).split(path.sep).join('/')}`
            : undefined;
        sendJson(response, 200, {
          ...status,
          ...(report ? { reportUrl: report } : {}),
          choices: { services: drill?.services ?? [], causes: drill?.causes ?? {} },
        });
      },
    },
    {
      method: 'POST',
      path: /^\/api\/drill\/actions$/,
      handle: async ({ request, response }) => {
        const body = await readJsonObject(request);
        const action = body.action;
        if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action))
          throw new ProblemError(400, 'Bad Request', `action is one of ${ACTIONS.join(', ')}`);
        const text = (name: string, max: number) => {
          const value = body[name];
          if (value === undefined) return undefined;
          if (typeof value !== 'string' || value.length > max)
            throw new ProblemError(400, 'Bad Request', `${name} is text of at most ${max} characters`);
          return value;
        };
        const note = text('text', 500);
        const service = text('service', 40);
        const cause = text('cause', 40);
        const args =
          action === 'detect'
            ? ['drill', 'detect', note ?? '']
            : action === 'diagnose'
              ? ['drill', 'diagnose', '--service', service ?? '', '--cause', cause ?? '']
              : action === 'rollback'
                ? ['drill', 'rollback', service ?? '']
                : ['drill', 'hint'];
        const answer = await runLab(host, args);
        // The CLI's usage errors and refusals (no drill, an unknown service) are the learner's to fix.
        if (answer.code === 2)
          throw new ProblemError(400, 'Bad Request', answer.stderr.trim() || answer.stdout.trim());
        sendJson(response, 200, {
          answer: answer.stdout.trim(),
          right: action === 'diagnose' ? answer.code === 0 : undefined,
        });
      },
    },
  ];
}

function runLab(
  host: ConsoleHost,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, ...rest] = host.labCommand;
  return new Promise((resolve) => {
    const child = spawn(command as string, [...rest, ...args], {
      env: host.labEnv ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
