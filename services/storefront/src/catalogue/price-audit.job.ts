import { type Poller, poll, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import type { ShopDb } from '../db/shop-db';
import type { StorefrontMetrics } from '../metrics';
import {
  honour,
  type MispricedOrder,
  openMispricedOrders,
  recentMispricedOrders,
  recordMispriced,
} from './prices.repo';

export interface PriceAuditDeps {
  db: ShopDb;
  logger: Logger;
  metrics: StorefrontMetrics;
}

const EVERY_MS = 5_000;
/** Orders older than this were looked at by earlier runs. */
const WINDOW_S = 600;

/**
 * The shop's own check on what it charged, whatever the cache did: paid orders whose items were
 * charged at a price the catalogue no longer had when they were placed are recorded, counted
 * (`shop_orders_mispriced_total`, the `OrdersChargedStalePrice` alert) and logged with their ids. It
 * runs in the broken shop too: this is how a learner finds out what a swallowed write cost.
 */
export async function runPriceAudit(deps: PriceAuditDeps): Promise<MispricedOrder[]> {
  const fresh = await recordMispriced(deps.db, await recentMispricedOrders(deps.db, WINDOW_S));
  for (const order of fresh) {
    const direction = order.chargedCents < order.catalogueCents ? 'under' : 'over';
    deps.metrics.ordersMispriced.add(1, { direction });
    deps.logger.warn(
      { orderId: order.orderId, chargedCents: order.chargedCents, catalogueCents: order.catalogueCents },
      `order charged ${direction} the catalogue's price: a price the catalogue no longer had`,
    );
  }
  return fresh;
}

export function startPriceAudit(deps: PriceAuditDeps): Poller {
  return poll(
    () => runPriceAudit(deps),
    EVERY_MS,
    (error) => deps.logger.warn({ err: error }, 'could not audit the prices charged; will try again'),
    EVERY_MS,
  );
}

/**
 * The repair, decided once for every open mispriced order: an order charged less than the catalogue's
 * price is honoured (the customer paid the price the shop showed them; charging a card again without
 * their consent is no repair), and recorded so. An order charged more is owed a refund of the
 * difference: it stays open, listed, for the payments team (the provider takes no partial refunds).
 */
export async function repairStalePrices(deps: PriceAuditDeps, dryRun: boolean) {
  const open = await openMispricedOrders(deps.db);
  const honoured = open.filter((order) => order.chargedCents < order.catalogueCents);
  const refundOwed = open.filter((order) => order.chargedCents > order.catalogueCents);
  if (!dryRun) {
    await honour(deps.db, honoured);
    if (honoured.length > 0)
      deps.logger.info({ orders: honoured.map((order) => order.orderId) }, 'stale prices honoured');
  }
  return { dryRun, honoured, refundOwed };
}

/** For the lab, behind the internal token: the audit's next run brought forward, and the repair. */
export function priceAuditRoutes(deps: PriceAuditDeps): Router {
  const router = Router();
  router.post('/jobs/price-audit', async (_request, response) => {
    response.json({ found: await runPriceAudit(deps) });
  });
  router.post('/repairs/stale-prices', async (request, response) => {
    const { dryRun } = validate(
      z.object({ dryRun: z.enum(['true', 'false']).default('false') }),
      request.query,
      'query',
    );
    response.json(await repairStalePrices(deps, dryRun === 'true'));
  });
  return router;
}
