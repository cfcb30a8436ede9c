import { createClient } from '@redis/client';

/**
 * A node-redis client as the catalogue uses it: commands are not queued while disconnected (with
 * Redis down a call fails at once and the shop reads MySQL), and it reconnects in the background.
 */
export function redisClient(url: string, login?: { username: string; password: string }) {
  return createClient({
    url,
    ...login,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
}

export type RedisClient = ReturnType<typeof redisClient>;
