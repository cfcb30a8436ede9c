import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { AppError, flagsOf, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import { Router } from 'express';
import { z } from 'zod';
import type { PROVIDER_FLAGS, ProviderFlags } from '../flags';
import type { ProviderMetrics } from '../metrics';
import { currentFaults } from './faults';
import { findCharges, recordCharge, refundCharge } from './ledger.repo';

export interface ChargeRoutesDeps {
  pool: Pool;
  flags: FlagReader<typeof PROVIDER_FLAGS>;
  logger: Logger;
  metrics: ProviderMetrics;
  instance: 'primary' | 'backup';
}

const chargeBody = z.object({
  reference: z.string().min(1).max(64),
  orderId: z.uuid(),
  // The ledger's column is an INT: a larger amount is refused here, never clamped by the database.
  amountCents: z.number().int().positive().max(10_000_000),
  customer: z.string().min(1).max(255),
});

const chargeQuery = z.object({
  reference: z.string().max(64).optional(),
  orderId: z.uuid().optional(),
  /** Charges made at or after this time: the statement a reconciliation job reads. */
  since: z.iso.datetime({ offset: true }).optional(),
});

export function chargeRoutes(deps: ChargeRoutesDeps): Router {
  const router = Router();
  const { instance, logger } = deps;
  // Refunds start at 0: "none yet" is a series a dashboard can show, not an absence.
  deps.metrics.refunds.add(0, { provider: instance });

  router.post('/charges', async (request, response) => {
    const body = validate(chargeBody, request.body);
    const faults = currentFaults(flagsOf<ProviderFlags>(response), instance);
    const count = (outcome: string) => deps.metrics.charges.add(1, { provider: instance, outcome });
    if (faults.outage) {
      count('outage');
      throw new AppError({
        status: 503,
        code: 'provider-down',
        title: `Provider ${instance} is down`,
        headers: { 'retry-after': '5' },
      });
    }
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (Math.random() < faults.errorRate) {
      count('error');
      throw new AppError({
        status: 500,
        code: 'provider-error',
        title: `Provider ${instance} failed the charge; nothing was charged`,
      });
    }

    const { charge, replayed } = await recordCharge(deps.pool, { id: randomUUID(), ...body });
    if (charge.orderId !== body.orderId || charge.amountCents !== body.amountCents) {
      count('reference-reused');
      throw new AppError({
        status: 422,
        code: 'reference-reused',
        title: 'This reference already charged a different order or amount',
        detail: `Reference ${body.reference} is charge ${charge.id} for order ${charge.orderId}.`,
      });
    }
    const ids = { chargeId: charge.id, reference: body.reference, orderId: body.orderId };
    trace
      .getActiveSpan()
      ?.setAttributes({ 'shop.payment.reference': body.reference, 'shop.charge.replayed': replayed });
    if (replayed) logger.info(ids, 'reference already charged; answering with the first charge');
    else logger.info({ ...ids, amountCents: body.amountCents }, 'card charged');
    if (Math.random() < faults.dropRate) {
      count('response-dropped');
      logger.warn(ids, 'connection closed before the answer was sent; the charge stands');
      request.socket.destroy();
      return;
    }
    count(replayed ? 'replayed' : 'charged');
    response
      .status(replayed ? 200 : 201)
      .set(replayed ? { 'idempotent-replayed': 'true' } : {})
      .json({ chargeId: charge.id, reference: body.reference, status: charge.status, provider: instance });
  });

  /** Compensation: gives the money back. Refunding a refunded charge changes nothing. */
  router.post('/charges/:id/refund', async (request, response) => {
    const { id } = validate(z.object({ id: z.uuid() }), request.params, 'path');
    const charge = await refundCharge(deps.pool, id);
    if (!charge) throw new AppError({ status: 404, code: 'charge-not-found', title: 'No such charge' });
    deps.metrics.refunds.add(1, { provider: instance });
    logger.info({ chargeId: id, orderId: charge.orderId }, 'charge refunded');
    response.json(charge);
  });

  router.get('/charges', async (request, response) => {
    const filter = validate(chargeQuery, request.query, 'query');
    response.json({ provider: instance, charges: await findCharges(deps.pool, filter) });
  });

  return router;
}
