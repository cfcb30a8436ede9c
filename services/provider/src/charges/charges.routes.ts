import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { AppError, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import type { ProviderMetrics } from '../metrics';
import { currentFaults } from './faults';
import { findCharges, recordCharge } from './ledger.repo';

export interface ChargeRoutesDeps {
  pool: Pool;
  flags: FlagReader;
  logger: Logger;
  metrics: ProviderMetrics;
  instance: 'primary' | 'backup';
}

const chargeBody = z.object({
  reference: z.string().min(1).max(64),
  orderId: z.uuid(),
  amountCents: z.number().int().positive(),
  customer: z.string().min(1).max(255),
});

const chargeQuery = z.object({ reference: z.string().max(64).optional(), orderId: z.uuid().optional() });

export function chargeRoutes(deps: ChargeRoutesDeps): Router {
  const router = Router();
  const { instance, logger } = deps;

  router.post('/charges', async (request, response) => {
    const body = validate(chargeBody, request.body);
    const faults = await currentFaults(deps.flags, instance);
    const count = (outcome: string) => deps.metrics.charges.add(1, { instance, outcome });
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

    const charge = { id: randomUUID(), ...body };
    await recordCharge(deps.pool, charge);
    logger.info(
      {
        chargeId: charge.id,
        reference: body.reference,
        orderId: body.orderId,
        amountCents: body.amountCents,
      },
      'card charged',
    );
    if (faults.dropResponse) {
      count('charged-response-dropped');
      logger.warn(
        { chargeId: charge.id, reference: body.reference },
        'fault: dropping the response after charging',
      );
      request.socket.destroy();
      return;
    }
    count('charged');
    response
      .status(201)
      .json({ chargeId: charge.id, reference: body.reference, status: 'CHARGED', provider: instance });
  });

  router.get('/charges', async (request, response) => {
    const filter = validate(chargeQuery, request.query, 'query');
    response.json({ provider: instance, charges: await findCharges(deps.pool, filter) });
  });

  return router;
}
