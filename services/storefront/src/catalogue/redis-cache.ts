import { getMeter, type Logger } from '@incident-lab/telemetry';
import type { CachedProduct, PriceCache } from '../lessons/cache-write-checks';
import { RotatedPriceWriter } from './cache-fault';
import { catalogueCacheKey } from './cache-key';
import { type RedisClient, redisClient } from './redis-client';

/**
 * Writes products into the catalogue hash in one step. ARGV[1]: seconds to live (0: none, the hash
 * keeps what it has); ARGV[2]: '1' keeps a field whose cached version is as new or newer; ARGV[3]:
 * '1' when this fills the catalogue (a price change never creates a catalogue holding one product);
 * then one (product id, JSON, version) triple per product. Returns how many fields it wrote.
 */
const WRITE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 and ARGV[3] ~= '1' then return 0 end
local written = 0
for i = 4, #ARGV, 3 do
  local current = ARGV[2] == '1' and redis.call('HGET', KEYS[1], ARGV[i])
  if not (current and tonumber(cjson.decode(current).version) >= tonumber(ARGV[i + 2])) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    written = written + 1
  end
end
if tonumber(ARGV[1]) > 0 and redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return written`;

/** The kind of a failed call, as OpenTelemetry's `error.type` wants it: Redis's error code, or the client's error name. */
function errorType(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = /^([A-Z]{3,})\b/.exec(message)?.[1];
  return code ?? (error instanceof Error ? error.name : 'Error');
}

/**
 * Storefront's catalogue in Redis (node-redis), under the namespace's key (cache-key.ts). Every call
 * is timed into OpenTelemetry's `db.client.operation.duration` with its `error.type` when it fails:
 * what Redis answered is on `/metrics` whatever the code above does with it.
 */
export class CatalogueCache {
  readonly key: string;
  /** Set by the fixed lesson when it could neither correct nor delete the cache; process-wide. */
  private distrust = false;
  private readonly duration = getMeter('storefront').createHistogram('db.client.operation.duration', {
    description:
      'Redis calls of the catalogue cache, by operation, with error.type when Redis or the connection failed them.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] },
  });

  private constructor(
    private readonly client: RedisClient,
    /** Price changes go as the back office's user; under the fault, one without write permission. */
    private readonly rotated: RotatedPriceWriter,
    namespace: string,
  ) {
    this.key = catalogueCacheKey(namespace);
  }

  /** Connects in the background: the shop starts and sells without Redis, and reconnects when it comes. */
  static start(url: string, namespace: string, logger: Logger): CatalogueCache {
    const client = redisClient(url);
    let down = false;
    client.on('error', (error: Error) => {
      if (!down)
        logger.warn(
          { err: error, url },
          'catalogue cache: Redis is unreachable; reading MySQL until it is back',
        );
      down = true;
    });
    client.on('ready', () => {
      if (down) logger.info({ url }, 'catalogue cache: Redis is back');
      down = false;
    });
    client.connect().catch(() => {});
    return new CatalogueCache(client, new RotatedPriceWriter(url, client, logger), namespace);
  }

  private async timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const attributes: Record<string, string> = { 'db.system.name': 'redis', 'db.operation.name': operation };
    try {
      return await call();
    } catch (error) {
      attributes['error.type'] = errorType(error);
      throw error;
    } finally {
      this.duration.record((performance.now() - started) / 1000, attributes);
    }
  }

  /** Whether reads skip the cache for now (the fixed lesson distrusts it after a failed correction). */
  distrusted(): boolean {
    return this.distrust;
  }

  /** Every cached product; undefined on a miss (no catalogue cached). Throws when Redis fails. */
  async readAll(): Promise<CachedProduct[] | undefined> {
    const fields = await this.timed('HGETALL', () => this.client.hGetAll(this.key));
    const products = Object.values(fields).map((json) => JSON.parse(json) as CachedProduct);
    return products.length > 0 ? products.sort((a, b) => a.id - b.id) : undefined;
  }

  /** The cached products among `ids`; a product not cached is missing from the map. Throws when Redis fails. */
  async readSome(ids: number[]): Promise<Map<number, CachedProduct>> {
    const fields = await this.timed('HMGET', () => this.client.hmGet(this.key, ids.map(String)));
    const found = fields.flatMap((json) => (json ? [JSON.parse(json) as CachedProduct] : []));
    return new Map(found.map((product) => [product.id, product]));
  }

  private async writer(kind: 'fill' | 'price-change', faulty: boolean): Promise<RedisClient> {
    return kind === 'price-change' && faulty ? this.rotated.connection() : this.client;
  }

  /**
   * The cache as the lesson writes it: a fill of the whole catalogue after a miss (storefront's own
   * connection), or a price change (the price writer, under the `cache-write-refused` fault refused).
   */
  forLesson(kind: 'fill' | 'price-change', faulty: boolean): PriceCache {
    return {
      write: async (products, options) => {
        const client = await this.writer(kind, faulty);
        const triples = products.flatMap((product) => [
          String(product.id),
          JSON.stringify(product),
          String(product.version),
        ]);
        await this.timed('EVAL', () =>
          client.eval(WRITE_SCRIPT, {
            keys: [this.key],
            arguments: [
              String(options.ttlS ?? 0),
              options.ifNewer ? '1' : '0',
              kind === 'fill' ? '1' : '0',
              ...triples,
            ],
          }),
        );
      },
      remove: async () => {
        const client = await this.writer(kind, faulty);
        await this.timed('DEL', () => client.del(this.key));
      },
      distrust: () => {
        this.distrust = true;
      },
      distrusted: () => this.distrust,
      trust: () => {
        this.distrust = false;
      },
    };
  }

  async stop(): Promise<void> {
    await this.rotated.stop();
    if (this.client.isOpen) this.client.destroy();
  }
}
