import type { LogStore } from '../store/log-store';
import type { SpanStore, TraceQuery } from '../store/span-store';
import { ProblemError, sendJson } from './http-helpers';
import type { Route } from './route';

/** Search, one trace with its log lines, and the recent warnings and errors of every service. */
export function traceRoutes(spans: SpanStore, logs: LogStore): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/api\/traces$/,
      handle: ({ url, response }) => {
        const started = performance.now();
        const traces = spans.search(traceQuery(url.searchParams));
        sendJson(response, 200, { traces, searchedMs: Math.round((performance.now() - started) * 10) / 10 });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/traces\/([0-9a-fA-F]{8,32})$/,
      handle: ({ params, response }) => {
        const found = spans.trace(params[0] as string);
        if (found.length === 0) {
          throw new ProblemError(
            404,
            'Not Found',
            `no trace ${params[0]} in the console's store (it keeps the last ${spans.capacity} spans)`,
          );
        }
        const traceId = (found[0] as { traceId: string }).traceId;
        sendJson(response, 200, { traceId, spans: found, logs: logs.forTrace(traceId) });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/logs$/,
      handle: ({ url, response }) => {
        const level = url.searchParams.get('level') ?? 'warn';
        if (level !== 'info' && level !== 'warn' && level !== 'error') {
          throw new ProblemError(400, 'Bad Request', 'level is one of info, warn, error');
        }
        sendJson(response, 200, { logs: logs.recent(200, level) });
      },
    },
  ];
}

/** The search form's fields, each checked: a bad one is named in the 400, never ignored. */
export function traceQuery(params: URLSearchParams): TraceQuery {
  const query: TraceQuery = {};
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    if (value && value.length > 200)
      throw new ProblemError(400, 'Bad Request', `${name} is over 200 characters`);
    return value || undefined;
  };
  const number = (name: string, min: number, max: number) => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new ProblemError(
        400,
        'Bad Request',
        `${name} must be a number from ${min} to ${max}, not "${value}"`,
      );
    }
    return parsed;
  };
  const service = text('service');
  const operation = text('operation');
  const traceId = text('traceId');
  if (traceId && !/^[0-9a-fA-F]{1,32}$/.test(traceId)) {
    throw new ProblemError(400, 'Bad Request', 'traceId is up to 32 hexadecimal characters');
  }
  const minDurationMs = number('minMs', 0, 86_400_000);
  const limit = number('limit', 1, 500);
  const fromMs = number('from', 0, 8.64e15);
  const toMs = number('to', 0, 8.64e15);
  const error = text('error');
  if (error !== undefined && error !== 'true' && error !== 'false') {
    throw new ProblemError(400, 'Bad Request', 'error is true or false');
  }
  const background = text('background');
  if (background !== undefined && !['true', 'false', 'only'].includes(background)) {
    throw new ProblemError(400, 'Bad Request', 'background is true, false or only');
  }
  const attribute = text('attr');
  if (attribute !== undefined && !/^[^=\s]+=.+$/.test(attribute)) {
    throw new ProblemError(400, 'Bad Request', 'attr is key=value, e.g. shop.order.id=42');
  }
  if (service) query.service = service;
  if (operation) query.operation = operation;
  if (traceId) query.traceId = traceId;
  if (minDurationMs !== undefined) query.minDurationMs = minDurationMs;
  if (limit !== undefined) query.limit = Math.floor(limit);
  if (fromMs !== undefined) query.fromMs = fromMs;
  if (toMs !== undefined) query.toMs = toMs;
  if (error !== undefined) query.error = error === 'true';
  if (background !== undefined) query.background = background === 'only' ? 'only' : background === 'true';
  if (attribute) {
    const at = attribute.indexOf('=');
    query.attribute = { key: attribute.slice(0, at), value: attribute.slice(at + 1) };
  }
  return query;
}
