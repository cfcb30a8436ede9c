import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@incident-lab/telemetry';

/**
 * Lab 3, `cache-write-checks`: what storefront does when a write to its catalogue cache fails (Redis
 * refuses it, times out, or the connection drops). The cache holds every product with its price and
 * the version of that price (catalogue/redis-cache.ts); it is written after every price change and
 * filled from MySQL on a miss.
 */

/** A product as the cache holds it. */
export interface CachedProduct {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  /** Goes up by one with every price change: a write with an older version is stale. */
  version: number;
}

/** What the lesson needs of the cache (declared here: a lesson imports nothing of the core). */
export interface PriceCache {
  /** Writes the products; throws what Redis answered. `ifNewer` keeps a newer version that is there. */
  write(products: CachedProduct[], options: { ttlS?: number; ifNewer: boolean }): Promise<void>;
  /** Deletes the whole cached catalogue; throws what Redis answered. */
  remove(): Promise<void>;
  /** Reads go to MySQL from now on: the cache may hold a price the shop could not correct. */
  distrust(): void;
  /** Whether reads go to MySQL because of an earlier `distrust`. */
  distrusted(): boolean;
  /** Reads may use the cache again: what it held is gone. */
  trust(): void;
}

export interface CacheWrite {
  cache: PriceCache;
  products: CachedProduct[];
  /** How long a cached catalogue lives (CATALOGUE_CACHE_TTL_S). */
  ttlS: number;
  /** Counts a failure the write could not recover from (`shop_cache_write_failures_total`). */
  countFailure(operation: 'set' | 'delete'): void;
  logger: Logger;
}

/**
 * Broken: "a cache is best effort". The write has no expiry and no version, and its error is
 * swallowed: when Redis refuses it, the old price stays cached for ever, product pages show it and
 * checkout charges it, and every request is a 200. Nothing counts it and nothing logs it.
 */
export async function writeAndForget(write: CacheWrite): Promise<void> {
  try {
    await write.cache.write(write.products, { ifNewer: false });
  } catch {
    // The cache is only a cache.
  }
}

const RETRY_BACKOFF_MS = [50, 200];

/**
 * Fixed: the write carries the price's version (an older value never overwrites a newer one) and an
 * expiry, and it is retried twice. When it still fails, the failure is counted and logged and the
 * cached catalogue is deleted, so the next read fills it from MySQL; when even the delete fails, this
 * process reads MySQL instead of the cache until a later write manages to delete what it could not
 * correct (entries written before the fix may have no expiry). Checkout charges MySQL's price in any
 * case (`checkoutPricesFrom`).
 */
export async function writeOrEvict(write: CacheWrite): Promise<void> {
  const products = write.products.map((product) => product.id);
  if (write.cache.distrusted()) {
    try {
      await write.cache.remove();
      write.cache.trust();
      write.logger.info({ products }, 'catalogue cache deleted at last: reading it again');
    } catch (error) {
      write.countFailure('delete');
      write.logger.error({ err: error, products }, 'catalogue cache still cannot be deleted: reading MySQL');
      return;
    }
  }
  let failure: unknown;
  for (const backoffMs of [0, ...RETRY_BACKOFF_MS]) {
    if (backoffMs > 0) await sleep(backoffMs);
    try {
      await write.cache.write(write.products, { ttlS: write.ttlS, ifNewer: true });
      return;
    } catch (error) {
      failure = error;
    }
  }
  write.countFailure('set');
  try {
    await write.cache.remove();
    write.logger.warn(
      { err: failure, products },
      'catalogue cache write failed three times: the cached catalogue was deleted, the next read fills it from MySQL',
    );
  } catch (error) {
    write.countFailure('delete');
    write.cache.distrust();
    write.logger.error(
      { err: error, writeError: failure, products },
      'catalogue cache write and delete both failed: reading MySQL until a later write can delete it',
    );
  }
}

/**
 * Reads: the broken shop always reads the cache; the fixed one skips it while it distrusts it. The
 * distrust is the fixed half's own state, so a shop whose fix is turned off again (the next lab run's
 * broken phase, on the same process) reads the cache as the broken shop does.
 */
export const readsCache = (checks: boolean, cache: Pick<PriceCache, 'distrusted'>) =>
  !(checks && cache.distrusted());

/** The lesson chosen by the `cache-write-checks` flag's value. */
export const onCacheWrite = (checks: boolean) => (checks ? writeOrEvict : writeAndForget);

/**
 * Where checkout takes its prices. Broken: from the cache, like the product page (it is faster, and
 * the same price the customer saw). Fixed: from MySQL, the catalogue's truth: money is never taken
 * at a price only the cache still has.
 */
export const checkoutPricesFrom = (checks: boolean): 'cache' | 'database' => (checks ? 'database' : 'cache');
