import type { Express, RequestHandler } from 'express';
import { AppError } from '../app-error';

/** The few fields of an Express 5 router layer this reads. */
interface RouteLayer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** The methods some route in `stack` answers for `path`, mounted routers included. */
function methodsFor(stack: RouteLayer[], path: string, found: Set<string>): void {
  for (const layer of stack) {
    const matched = layer.match(path);
    if (!matched) continue;
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        if (method !== '_all') found.add(method.toUpperCase());
      }
      if (layer.route.methods.get) found.add('HEAD');
    } else if (layer.handle?.stack) {
      methodsFor(layer.handle.stack, path.slice(matched.path.length) || '/', found);
    }
  }
}

/**
 * A path that exists, asked with a method it does not answer: 405 with `Allow` (RFC 9110 §15.5.6)
 * instead of a 404 that says the path is not there. Mounted after every route, before the 404.
 */
export function methodNotAllowed(app: Express): RequestHandler {
  return (request, _response, next) => {
    const allowed = new Set<string>();
    methodsFor((app.router as unknown as { stack: RouteLayer[] }).stack, request.path, allowed);
    if (allowed.size === 0) return next();
    const allow = [...allowed].sort().join(', ');
    throw new AppError({
      status: 405,
      code: 'method-not-allowed',
      title: 'This path does not answer that method',
      detail: `${request.method} is not allowed on ${request.path}; use ${allow}.`,
      headers: { allow },
    });
  };
}
