import { decodeLogs, decodeTraces, OtlpDecodeError, otlpEncoding } from '../otlp/decode';
import type { LogStore } from '../store/log-store';
import type { SpanStore } from '../store/span-store';
import { ProblemError, readBody } from './http-helpers';
import type { Route, RouteContext } from './route';

/** A batch of 512 spans in JSON is about 1 MB; anything far larger is not an SDK export. */
const MAX_EXPORT_BYTES = 32 * 1024 * 1024;

/**
 * OTLP/HTTP, as the OpenTelemetry SDK sends it: `POST /v1/traces` and `/v1/logs`, protobuf or JSON,
 * answered with an empty success in the request's encoding. Every export is also forwarded, as it
 * came, to `forwardTo` (compose's Jaeger) when one is set: the console and Jaeger see the same spans.
 */
export function otlpRoutes(spans: SpanStore, logs: LogStore, forwardTo?: string): Route[] {
  const receive =
    (signal: 'traces' | 'logs') =>
    async ({ request, response }: RouteContext) => {
      const type = request.headers['content-type'];
      const encoding = otlpEncoding(type);
      if (!encoding) {
        throw new ProblemError(
          415,
          'Unsupported Media Type',
          'OTLP/HTTP takes application/x-protobuf or application/json',
        );
      }
      const body = await readBody(request, MAX_EXPORT_BYTES);
      try {
        if (signal === 'traces') spans.add(decodeTraces(body, encoding));
        else logs.add(decodeLogs(body, encoding));
      } catch (error) {
        if (error instanceof OtlpDecodeError) throw new ProblemError(400, 'Bad Request', error.message);
        throw error;
      }
      if (forwardTo) forward(`${forwardTo.replace(/\/$/, '')}/v1/${signal}`, type as string, body);
      const empty = encoding === 'json' ? '{}' : '';
      response.writeHead(200, {
        'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      });
      response.end(empty);
    };
  return [
    { method: 'POST', path: /^\/v1\/traces$/, handle: receive('traces') },
    { method: 'POST', path: /^\/v1\/logs$/, handle: receive('logs') },
  ];
}

/** Best effort: Jaeger being down must not slow the services' exports to the console. */
function forward(url: string, type: string, body: Buffer): void {
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body, signal: AbortSignal.timeout(2_000) })
    .then((answer) => answer.body?.cancel())
    .catch(() => undefined);
}
