import type { Logger } from '@incident-lab/telemetry';
import { type RedisClient, redisClient } from './redis-client';

/** The Redis user the back office's price writes go as while the fault is on: it may read, not write. */
export const ROTATED_USER = 'incident-lab-price-writer-rotated';

/**
 * The `cache-write-refused` fault: a credentials rotation left the back office's Redis user (price
 * changes are written to the cache as it) without permission to write. Redis refuses each of those
 * writes with NOPERM, for real: the fault connects as a user made with `ACL SETUSER` that has every
 * command but the write ones. Storefront's own reads and fills of the cache go on working.
 */
export class RotatedPriceWriter {
  private client?: Promise<RedisClient>;

  constructor(
    private readonly url: string,
    private readonly main: RedisClient,
    private readonly logger: Logger,
  ) {}

  /** The connection as the rotated user, made (and the user with it) on first use. */
  connection(): Promise<RedisClient> {
    this.client ??= this.connect().catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private async connect(): Promise<RedisClient> {
    // '-@write' takes every write command away; 'nopass' lets the connection log in with any password.
    await this.main.sendCommand([
      'ACL',
      'SETUSER',
      ROTATED_USER,
      'reset',
      'on',
      'nopass',
      '~*',
      '&*',
      '+@all',
      '-@write',
    ]);
    const client = redisClient(this.url, { username: ROTATED_USER, password: 'rotated' });
    client.on('error', (error: Error) =>
      this.logger.debug({ err: error }, 'rotated price writer: Redis error'),
    );
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    if (client?.isOpen) client.destroy();
  }
}
