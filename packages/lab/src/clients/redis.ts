import { createClient } from '@redis/client';

/** Deletes keys (a shop's catalogue cache) in one connection; one try, a clear error when Redis is not there. */
export async function deleteKeys(redisUrl: string, keys: string[]): Promise<number> {
  const redis = createClient({ url: redisUrl, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.del(keys);
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl} (REDIS_URL): ${(error as Error).message}`);
  } finally {
    if (redis.isOpen) redis.destroy();
  }
}
