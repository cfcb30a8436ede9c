import type { Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import type { ShopDb } from '../db/shop-db';
import type { StorefrontFlags } from '../flags';
import { checkoutPricesFrom, onCacheWrite, readsCache } from '../lessons/cache-write-checks';
import type { StorefrontMetrics } from '../metrics';
import { allProducts, changePrice, type Product, productsByIds } from './prices.repo';
import type { CatalogueCache } from './redis-cache';

export interface CatalogueDeps {
  db: ShopDb;
  cache: CatalogueCache;
  metrics: StorefrontMetrics;
  logger: Logger;
  /** How long a cached catalogue lives with `cache-write-checks` (CATALOGUE_CACHE_TTL_S). */
  ttlS: number;
}

type CacheResult = 'hit' | 'miss' | 'error' | 'bypass';

/**
 * The catalogue as customers and checkout read it: cache-aside over Redis (a miss reads MySQL and
 * fills the cache), written again after every price change. How a write is made and where checkout
 * takes its prices is lab 3's lesson (lessons/cache-write-checks.ts); the fault is in cache-fault.ts.
 */
export class Catalogue {
  constructor(private readonly deps: CatalogueDeps) {}

  /** Counts the read and puts its result on the request's span: a trace shows hit, miss or failure. */
  private noteRead(result: CacheResult): void {
    this.deps.metrics.cacheReads.add(1, { result });
    trace.getActiveSpan()?.setAttribute('shop.cache.result', result);
  }

  /** Writes products the way the flags say; the lesson decides what a failure does. */
  private async write(products: Product[], kind: 'fill' | 'price-change', flags: StorefrontFlags) {
    const checks = flags['cache-write-checks'];
    await onCacheWrite(checks)({
      cache: this.deps.cache.forLesson(kind, flags['cache-write-refused']),
      products,
      ttlS: this.deps.ttlS,
      countFailure: (operation) => this.deps.metrics.cacheWriteFailures.add(1, { operation }),
      logger: this.deps.logger,
    });
  }

  /** Reads the cache unless the lesson says not to; undefined sends the caller to MySQL. */
  private async cached<T>(
    read: () => Promise<T | undefined>,
    flags: StorefrontFlags,
  ): Promise<{ value?: T; result: CacheResult }> {
    if (!readsCache(flags['cache-write-checks'], this.deps.cache)) return { result: 'bypass' };
    try {
      const value = await read();
      return value === undefined ? { result: 'miss' } : { value, result: 'hit' };
    } catch (error) {
      this.deps.logger.debug({ err: error }, 'catalogue cache read failed; reading MySQL');
      return { result: 'error' };
    }
  }

  /** Every product with its price, for the product page. */
  async list(flags: StorefrontFlags): Promise<Product[]> {
    const { value, result } = await this.cached(() => this.deps.cache.readAll(), flags);
    this.noteRead(result);
    if (value) return value;
    const products = await allProducts(this.deps.db);
    if (result === 'miss') await this.write(products, 'fill', flags);
    return products;
  }

  /** The price of each product checkout sells, by id; a product that does not exist is missing. */
  async checkoutPrices(ids: number[], flags: StorefrontFlags): Promise<Map<number, number>> {
    const prices = (products: Product[]) =>
      new Map(products.map((product) => [product.id, product.priceCents]));
    if (checkoutPricesFrom(flags['cache-write-checks']) === 'database')
      return prices(await productsByIds(this.deps.db, ids));
    const { value, result } = await this.cached(() => this.deps.cache.readSome(ids), flags);
    const found = value ?? new Map<number, Product>();
    const missing = ids.filter((id) => !found.has(id));
    this.noteRead(missing.length === 0 ? 'hit' : result === 'hit' ? 'miss' : result);
    if (missing.length === 0) return prices([...found.values()]);
    return prices([...found.values(), ...(await productsByIds(this.deps.db, missing))]);
  }

  /** A staff price change: MySQL first (the truth, with its history), then the cache. */
  async changePrice(
    productId: number,
    priceCents: number,
    flags: StorefrontFlags,
  ): Promise<Product | undefined> {
    const product = await changePrice(this.deps.db, productId, priceCents);
    if (!product) return undefined;
    this.deps.logger.info({ productId, priceCents, version: product.version }, 'price changed');
    await this.write([product], 'price-change', flags);
    return product;
  }
}
