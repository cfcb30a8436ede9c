import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, shutdownTelemetry } from '@incident-lab/telemetry';
import type { Express } from 'express';
import { answerClientErrors } from './http/client-error';

export interface ServeOptions {
  app: Express;
  host: string;
  port: number;
  logger: Logger;
  /** Closes what the service opened (consumers, pools, connections), in order. */
  onShutdown: Array<() => Promise<unknown>>;
}

const SHUTDOWN_GRACE_MS = 8_000;
const TELEMETRY_FLUSH_MS = 1_000;

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one, as tests do) and says where. */
export async function listen(app: Express, port = 0, host = '127.0.0.1'): Promise<Listening> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  answerClientErrors(server);
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Listens, and on SIGTERM/SIGINT stops taking requests, lets in-flight ones finish, closes the
 * service's resources and flushes telemetry, so a stopped service loses no acknowledged work.
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const { app, host, port, logger } = options;
  const { server, url } = await listen(app, port, host);
  logger.info({ url }, 'listening');

  let stopping = false;
  // While draining, every answer tells the client to close its connection and open a new one
  // (to the next instance) rather than bring more requests on this one.
  server.prependListener('request', (_request, response) => {
    if (stopping) response.setHeader('connection', 'close');
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      await drain(signal);
    } finally {
      // Whatever failed on the way (a log line to a pipe nobody reads any more), the process ends.
      process.exit(0);
    }
  };
  const drain = async (signal: string) => {
    say(() =>
      logger.info({ signal }, 'shutting down: finishing in-flight requests, then closing connections'),
    );
    const began = performance.now();
    const closed = new Promise((resolve) => server.close(resolve));
    // Keep-alive connections would go on bringing requests: each is closed as soon as it is idle.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    // A request stuck on a hanging dependency must not hold the shutdown forever.
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    await closed;
    clearInterval(idle);
    const httpMs = Math.round(performance.now() - began);
    for (const close of options.onShutdown) {
      await close().catch((error) =>
        say(() => logger.error({ err: error }, 'error while closing; continuing shutdown')),
      );
    }
    const resourcesMs = Math.round(performance.now() - began) - httpMs;
    // Spans not yet sent get a moment; a collector that is not there must not hold the stop.
    await Promise.race([shutdownTelemetry().catch(() => undefined), sleep(TELEMETRY_FLUSH_MS)]);
    say(() =>
      logger.info({ httpMs, resourcesMs, totalMs: Math.round(performance.now() - began) }, 'stopped'),
    );
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  watchSupervisor(() => void stop('supervisor gone'));
  return server;
}

/** A log line that cannot be written (its reader is gone) must not stop the shutdown. */
function say(log: () => void): void {
  try {
    log();
  } catch {
    // nowhere to say it
  }
}

/**
 * A service that `lab up` supervises (LAB_SUPERVISED=1) stops by itself when its supervisor is
 * gone — killed, crashed — instead of living on with nobody to stop or restart it.
 */
function watchSupervisor(stop: () => void): void {
  if (process.env.LAB_SUPERVISED !== '1') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1_000).unref();
}

/** Runs a service's `main`; a service that cannot start prints why and exits 1, so `lab up` can show it. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
