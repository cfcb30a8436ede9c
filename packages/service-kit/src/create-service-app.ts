import { currentTraceId, getMeter, type Logger, serveMetrics } from '@incident-lab/telemetry';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { healthRouter, type ReadinessCheck } from './health';
import { requireInternalToken } from './http/internal-token';
import { methodNotAllowed } from './http/method-not-allowed';
import { refuseDeepJson } from './json-depth';
import { notFound, problemHandler } from './problem';

export interface ServiceAppOptions {
  logger: Logger;
  readiness: Record<string, ReadinessCheck>;
  /** Routes anyone may call: storefront's API. */
  publicRoutes?: Router;
  /**
   * Routes for the lab's own services and the lab CLI, answered only with the internal token; mounted
   * at `path` (default `/`: every route but health and metrics).
   */
  internal?: { token: string; routes: Router; path?: string };
  /**
   * The flags the service applies: shown by variant on `/health/flags`, and snapshot once per
   * request before any route runs (`flagsOf(response)` reads it), so a request never sees a flag
   * change halfway.
   */
  flags?: { appliedVariants(): Record<string, string>; run<T>(work: (flags: object) => T): T };
  /** Largest JSON body accepted; larger ones get 413 problem+json. */
  bodyLimit?: string;
}

/** The HTTP methods semconv names; any other is recorded as `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/**
 * The frame every service shares: the trace id on every response, open health and metrics routes,
 * the internal credential checked before a body is read, JSON bodies, the service's own routes, then
 * 405, 404 and problem+json for everything that fails.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Express hashes every body for an ETag; nothing here may be cached (`no-store` below), so no
  // client ever sends it back.
  app.disable('etag');
  app.set('query parser', 'simple');
  const inFlight = getMeter('service-kit').createUpDownCounter('http.server.active_requests', {
    description: 'Requests this service has received and not yet answered: work piling up shows here first.',
    unit: '{request}',
  });
  app.use((_request, response, next) => {
    const traceId = currentTraceId();
    if (traceId) response.set('x-trace-id', traceId);
    // Answers are JSON and carry tokens or people's orders: never sniffed as something else, never
    // kept by a shared cache.
    response.set({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    next();
  });
  app.use(healthRouter(options.readiness));
  app.get('/metrics', (request, response) => serveMetrics(request, response));
  app.get('/health/flags', (_request, response) => {
    response.json({ flags: options.flags?.appliedVariants() ?? {} });
  });
  // Counted from here on: the service's own work, not probes and scrapes.
  app.use((request, response, next) => {
    // The request runs inside its snapshot: `flagsOf(response)` and the reader's `current()` agree.
    if (options.flags) return options.flags.run((flags) => admit(flags, request, response, next));
    admit({}, request, response, next);
  });
  const admit = (flags: object, request: Request, response: Response, next: NextFunction) => {
    response.locals.flags = flags;
    // semconv's required attributes; a method nobody defined is `_OTHER`, so a hostile client cannot
    // mint a new series per request. The lab's services speak plain HTTP.
    const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER';
    const attributes = { 'http.request.method': method, 'url.scheme': 'http' };
    inFlight.add(1, attributes);
    response.once('close', () => inFlight.add(-1, attributes));
    next();
  };
  const internalPath = options.internal?.path ?? '/';
  if (options.internal) app.use(internalPath, requireInternalToken(options.internal.token));
  app.use(express.json({ limit: options.bodyLimit ?? '16kb', verify: refuseDeepJson }));
  if (options.publicRoutes) app.use(options.publicRoutes);
  if (options.internal) app.use(internalPath, options.internal.routes);
  app.use(methodNotAllowed(app));
  app.use(notFound);
  app.use(problemHandler(options.logger));
  return app;
}

/**
 * The flags in force for this request, as the snapshot service-kit took when it arrived. `S` is the
 * service's `FlagSnapshot` type (each service wraps this once in its `flags.ts`).
 */
export function flagsOf<S extends object>(response: Response): S {
  return response.locals.flags as S;
}
