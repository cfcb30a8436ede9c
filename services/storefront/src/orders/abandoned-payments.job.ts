import type { FlagReader } from '@incident-lab/flags';
import { type Poller, poll, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import type { ShopDb } from '../db/shop-db';
import type { STOREFRONT_FLAGS } from '../flags';
import { type AbandonedRun, onAbandonedOrders } from '../lessons/abandoned-payments';
import type { StorefrontMetrics } from '../metrics';
import { overduePendingOrders, settleOrder } from './orders.repo';
import { type PaymentsApi, paymentsOfOrder } from './payments-client';

export interface AbandonedJobDeps {
  db: ShopDb;
  flags: FlagReader<typeof STOREFRONT_FLAGS>;
  payments: PaymentsApi;
  logger: Logger;
  metrics: StorefrontMetrics;
  /** An order with no payment this long after it was placed counts as abandoned (PAYMENT_ABANDON_AFTER_S). */
  abandonAfterS: number;
}

const EVERY_MS = 5_000;
/** Orders looked at per run: a backlog is worked off over a few runs, never in one long transaction. */
const BATCH = 100;

/** What the lesson acts through: storefront's orders, payments' answer, the counter, the log. */
function abandonedRun(deps: AbandonedJobDeps, afterS: number): AbandonedRun {
  return {
    afterS,
    overdueOrders: () => overduePendingOrders(deps.db, afterS, BATCH),
    paymentExists: async (orderId) => (await paymentsOfOrder(deps.payments, orderId)).length > 0,
    failOrder: (orderId, reason) =>
      deps.db.transaction((connection) =>
        settleOrder(connection, orderId, 'FAILED', { failureReason: reason }, { unlessRequestOpen: true }),
      ),
    countAbandoned: () => {
      deps.metrics.paymentsAbandoned.add(1);
      deps.metrics.ordersSettled.add(1, { status: 'FAILED', by: 'abandoned' });
    },
    logger: deps.logger,
  };
}

/** One run, under one flag snapshot (a run is the job's unit of work); returns the orders it abandoned. */
export function runAbandonedPayments(deps: AbandonedJobDeps, afterS = deps.abandonAfterS): Promise<string[]> {
  return deps.flags.run((flags) =>
    onAbandonedOrders(flags['abandoned-payments'])(abandonedRun(deps, afterS)),
  );
}

/** Looks for abandoned orders every 5 s (what it does with them: lessons/abandoned-payments.ts). */
export function startAbandonedPayments(deps: AbandonedJobDeps): Poller {
  return poll(
    () => runAbandonedPayments(deps),
    EVERY_MS,
    (error) => deps.logger.warn({ err: error }, 'could not look for abandoned orders; will try again'),
    EVERY_MS,
  );
}

/**
 * For the lab, behind the internal token: the job's next run brought forward, as `lab run` does after
 * the load (`?afterS=0`: every order without a payment is overdue once the shop has gone quiet).
 */
export function abandonedPaymentsRoutes(deps: AbandonedJobDeps): Router {
  const router = Router();
  router.post('/jobs/abandoned-payments', async (request, response) => {
    const { afterS } = validate(
      z.object({ afterS: z.coerce.number().int().min(0).max(86_400).optional() }),
      request.query,
      'query',
    );
    response.json({ abandoned: await runAbandonedPayments(deps, afterS) });
  });
  return router;
}
