import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Scrape, SignalRecorder } from '../signals/signal-recorder';
import { LogStore } from '../store/log-store';
import { SpanStore } from '../store/span-store';
import type { ConsoleHost } from './console-host';
import { drillRoutes } from './drill-routes';
import { flagRoutes, watchFlagFile } from './flag-routes';
import { ProblemError, sendJson, sendProblem } from './http-helpers';
import { otlpRoutes } from './otlp-routes';
import type { Route } from './route';
import { runRoutes } from './run-routes';
import { sendFile } from './static-files';
import { traceRoutes } from './trace-routes';

/** The built web app (vite writes it to dist/web; this file runs from src/server or dist/server). */
const WEB_ROOT = path.resolve(__dirname, '../../dist/web');

export interface ConsoleOptions {
  port: number;
  /** 127.0.0.1 by default: the console changes flags and starts runs, so it is not for the network. */
  hostname?: string;
  spanCapacity?: number;
  logCapacity?: number;
}

export interface RunningConsole {
  url: string;
  spans: SpanStore;
  logs: LogStore;
  signals: SignalRecorder;
  server: Server;
  stop(): Promise<void>;
}

/**
 * The lab console: one HTTP port for the web app, its JSON API and the OTLP receiver the services
 * export to. Everything it keeps is in memory and bounded.
 */
export async function startConsole(host: ConsoleHost, options: ConsoleOptions): Promise<RunningConsole> {
  const spans = new SpanStore(options.spanCapacity);
  const logs = new LogStore(options.logCapacity);
  const signals = new SignalRecorder({
    namespace: host.namespace,
    scrapeAll: async () => {
      const scrape: Scrape = new Map();
      await Promise.all(
        host.services.map(async (service) => {
          const samples = await host.scrape(service.url).catch(() => undefined);
          if (samples) scrape.set(service.name, samples);
        }),
      );
      return scrape;
    },
    ...(host.firingAlerts ? { firingAlerts: host.firingAlerts } : {}),
  });
  let url = '';
  const routes: Route[] = [
    ...otlpRoutes(spans, logs, host.forwardOtlpTo),
    ...flagRoutes(host),
    ...traceRoutes(spans, logs),
    ...runRoutes(host, signals, () => url),
    ...drillRoutes(host),
    {
      method: 'GET',
      path: /^\/api\/status$/,
      handle: ({ response }) =>
        sendJson(response, 200, {
          namespace: host.namespace,
          services: host.services,
          spans: {
            stored: spans.size,
            received: spans.received,
            evicted: spans.evicted,
            capacity: spans.capacity,
          },
          forwardingTo: host.forwardOtlpTo ?? null,
        }),
    },
    {
      method: 'GET',
      path: /^\/api\/signals$/,
      handle: ({ url: requestUrl, response }) => {
        const lab = requestUrl.searchParams.get('lab') ?? 'cascading';
        const view = signals.view(lab);
        if (!view)
          throw new ProblemError(404, 'Not Found', `no lab "${lab}"; labs: cascading, partial, silent`);
        sendJson(response, 200, view);
      },
    },
    {
      method: 'GET',
      path: /^\/runbooks\/([a-z0-9-]+\.md)$/,
      handle: ({ params, response }) => {
        if (!host.runbooksDir) throw new ProblemError(404, 'Not Found', 'this console serves no runbooks');
        // Markdown shown as text: readable in any browser, straight from an alert's link.
        return sendFile(response, host.runbooksDir, params[0] as string, 'text/plain; charset=utf-8');
      },
    },
    {
      method: 'GET',
      path: /^\/reports\/(.+)$/,
      handle: ({ params, response }) => sendFile(response, host.reportsDir, params[0] as string),
    },
  ];

  const server = createServer(async (request, response) => {
    try {
      const requestUrl = new URL(request.url ?? '/', 'http://console.invalid');
      const matching = routes.filter((route) => route.path.test(requestUrl.pathname));
      const route = matching.find((candidate) => candidate.method === request.method);
      if (route) {
        const params = (route.path.exec(requestUrl.pathname) ?? []).slice(1);
        await route.handle({ request, response, url: requestUrl, params });
      } else if (matching.length > 0) {
        response.setHeader('allow', [...new Set(matching.map((candidate) => candidate.method))].join(', '));
        throw new ProblemError(405, 'Method Not Allowed', `${request.method} is not allowed here`);
      } else if (request.method === 'GET' && !requestUrl.pathname.startsWith('/api/')) {
        // The web app: its files, and index.html for every page path (the app routes in the browser).
        const file =
          requestUrl.pathname === '/' || !path.extname(requestUrl.pathname)
            ? 'index.html'
            : requestUrl.pathname;
        await sendFile(response, WEB_ROOT, file);
      } else {
        throw new ProblemError(404, 'Not Found', `no route ${request.method} ${requestUrl.pathname}`);
      }
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof ProblemError) sendProblem(response, error);
      else sendProblem(response, new ProblemError(500, 'Internal Server Error', (error as Error).message));
    }
  });
  server.listen(options.port, options.hostname ?? '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? new Error(
            `the console's port ${options.port} is taken: stop what listens there, set LAB_CONSOLE_PORT, or use lab up --no-console`,
          )
        : (error as Error);
    }),
  ]);
  url = `http://${options.hostname ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  signals.start();
  const stopWatching = watchFlagFile(host.flagFile, signals);
  return {
    url,
    spans,
    logs,
    signals,
    server,
    stop: async () => {
      signals.stop();
      stopWatching();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
