import { createClient } from '@redis/client';

const oneTry = (redisUrl: string) =>
  createClient({ url: redisUrl, socket: { connectTimeout: 2_000, reconnectStrategy: false } });

/** One connection to Redis for `work`, one try (no reconnecting in the background), then closed. */
export async function withRedis<T>(
  redisUrl: string,
  work: (redis: ReturnType<typeof oneTry>) => Promise<T>,
): Promise<T> {
  const redis = oneTry(redisUrl);
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    if (redis.isOpen) redis.destroy();
  }
}

/** Deletes keys (a shop's catalogue cache); a clear error when Redis is not there. */
export async function deleteKeys(redisUrl: string, keys: string[]): Promise<number> {
  return withRedis(redisUrl, (redis) => redis.del(keys)).catch((error: unknown) => {
    throw new Error(`Redis is not reachable at ${redisUrl} (REDIS_URL): ${(error as Error).message}`);
  });
}
