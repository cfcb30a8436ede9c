import type { IncomingMessage, ServerResponse } from 'node:http';

/** A refusal the client can act on: sent as RFC 9457 problem+json with its status. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

export function sendProblem(response: ServerResponse, problem: ProblemError): void {
  const text = JSON.stringify({
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.message,
  });
  response.writeHead(problem.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The request body, refused with 413 past `limit` bytes rather than buffered without end. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new ProblemError(413, 'Content Too Large', `the body is over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ProblemError(413, 'Content Too Large', `the body is over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(request.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new ProblemError(415, 'Unsupported Media Type', 'send application/json');
  }
  const body = await readBody(request, 64 * 1024);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProblemError(400, 'Bad Request', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProblemError(400, 'Bad Request', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
