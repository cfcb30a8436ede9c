import type { Server } from 'node:http';
import { type Logger, shutdownTelemetry } from '@incident-lab/telemetry';
import type { Express } from 'express';

export interface ServeOptions {
  app: Express;
  host: string;
  port: number;
  logger: Logger;
  /** Closes what the service opened (consumers, pools, connections), in order. */
  onShutdown: Array<() => Promise<unknown>>;
}

/**
 * Listens, and on SIGTERM/SIGINT stops taking requests, lets in-flight ones finish, closes the
 * service's resources and flushes telemetry, so a stopped service loses no acknowledged work.
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const { app, host, port, logger } = options;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  logger.info({ url: `http://${host}:${port}` }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests, then closing connections');
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await closed;
    for (const close of options.onShutdown) {
      await close().catch((error) =>
        logger.error({ err: error }, 'error while closing; continuing shutdown'),
      );
    }
    await shutdownTelemetry().catch(() => undefined);
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return server;
}
