import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { ProblemError } from './http-helpers';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Sends `relative` from inside `root`; a path that would leave `root` (`..`, encoded or not) is a 404. */
export async function sendFile(
  response: ServerResponse,
  root: string,
  relative: string,
  type?: string,
): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    throw new ProblemError(400, 'Bad Request', 'the path is not valid percent-encoding');
  }
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.posix.normalize(`/${decoded}`)}`);
  const info = file.startsWith(base + path.sep) ? await stat(file).catch(() => undefined) : undefined;
  if (!info?.isFile()) throw new ProblemError(404, 'Not Found', `no file ${relative}`);
  response.writeHead(200, {
    'content-type': type ?? TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
  });
  createReadStream(file).pipe(response);
}
