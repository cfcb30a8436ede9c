import type { Express } from 'express';

export interface Route {
  method: string;
  /** Express path pattern, e.g. `/api/orders/:id`. */
  path: string;
}

/** The few fields of an Express 5 router layer this reads. */
interface Layer {
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function collect(stack: Layer[], prefix: string, routes: Route[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        if (method !== '_all') routes.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      collect(layer.handle.stack, prefix + mount, routes);
    }
  }
}

/** Every route an app answers, read from its router: the fuzz suite cannot miss one added later. */
export function routesOf(app: Express): Route[] {
  const routes: Route[] = [];
  collect((app.router as unknown as { stack: Layer[] }).stack, '', routes);
  return routes;
}
