import { isTransientDbError } from '@incident-lab/db';
import { currentTraceId, type Logger } from '@incident-lab/telemetry';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from './app-error';
import { MAX_JSON_DEPTH } from './json-depth';

/** Maps body-parser failures (which carry `type` and `status`) to problems a client can act on. */
function fromBodyParser(error: { type?: string; status?: number }): AppError | undefined {
  if (error.type === 'entity.too.large') {
    return new AppError({ status: 413, code: 'body-too-large', title: 'The request body is too large' });
  }
  if (error.type === 'entity.too.deep') {
    return new AppError({
      status: 400,
      code: 'json-too-deep',
      title: 'The request body nests too deeply',
      detail: `JSON may nest objects and arrays ${MAX_JSON_DEPTH} levels deep at most.`,
    });
  }
  if (error.type === 'entity.parse.failed') {
    return new AppError({ status: 400, code: 'malformed-json', title: 'The request body is not valid JSON' });
  }
  if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
    return new AppError({
      status: 415,
      code: 'unsupported-encoding',
      title: 'The body encoding is not supported',
    });
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new AppError({
      status: error.status,
      code: 'bad-request',
      title: 'The request could not be read',
    });
  }
  return undefined;
}

/** A database that could not be reached just now: the client should try again shortly. */
function fromDatabase(error: unknown): AppError | undefined {
  if (!isTransientDbError(error)) return undefined;
  return new AppError({
    status: 503,
    code: 'database-unavailable',
    title: 'The database could not be reached; try again shortly',
    headers: { 'retry-after': '1' },
  });
}

export const notFound: RequestHandler = (request) => {
  throw new AppError({
    status: 404,
    code: 'not-found',
    title: 'No such route',
    detail: `${request.method} ${request.path} does not exist on this service.`,
  });
};

/**
 * Renders every error as `application/problem+json` (RFC 9457). Unknown errors become a 500 whose
 * body says only that: the stack goes to the log with the trace id, never to the client.
 */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, request, response, _next) => {
    const transient = fromDatabase(error);
    const known = error instanceof AppError ? error : (transient ?? fromBodyParser(error));
    const problem =
      known ?? new AppError({ status: 500, code: 'internal', title: 'Something went wrong on our side' });
    if (transient) logger.warn({ err: error, path: request.path }, 'database unreachable; answered 503');
    else if (!known) logger.error({ err: error, path: request.path }, 'unhandled error; answered 500');
    const traceId = currentTraceId();
    response
      .status(problem.status)
      .set(problem.headers)
      .type('application/problem+json')
      .json({
        type: `/problems/${problem.code}`,
        title: problem.title,
        status: problem.status,
        ...(problem.detail ? { detail: problem.detail } : {}),
        instance: request.originalUrl,
        ...(problem.invalidParams ? { 'invalid-params': problem.invalidParams } : {}),
        ...(traceId ? { traceId } : {}),
      });
  };
}
