import { AppError, idempotent, validate } from '@incident-lab/service-kit';
import { Router } from 'express';
import { z } from 'zod';
import { paymentsFlagsOf } from '../flags';
import { chargeIdentity } from '../lessons/idempotency-keys';
import { charge, type PaymentsServices, resolvePayment } from './charge.service';
import { paymentAnswer } from './payment-answer';
import { findPayment, findPaymentsForOrder } from './payments.repo';

const chargeBody = z.object({
  orderId: z.uuid(),
  amountCents: z.number().int().positive().max(10_000_000),
  customer: z.string().min(1).max(255),
});

const paymentId = z.object({ id: z.uuid() });

/**
 * `POST /payments` answers 201 with a completed payment, 202 when the charge was queued for later or
 * its outcome is not known yet (PENDING), and a 402 problem (naming the payment) when it failed. With `idempotency-keys` on it needs an
 * `Idempotency-Key` header and runs once per key (see service-kit's idempotency.ts).
 */
export function chargeRoutes(deps: PaymentsServices & { idempotencyKeyTtlS?: number }): Router {
  const router = Router();
  const sql = async (statement: string, params: unknown[]) => (await deps.pool.query(statement, params))[0];

  router.post(
    '/payments',
    idempotent(
      {
        sql,
        enabled: (response) => chargeIdentity(paymentsFlagsOf(response)['idempotency-keys']).requireKey,
        ttlS: deps.idempotencyKeyTtlS,
      },
      async (request, progress, response) => {
        const work = { ...deps, flags: paymentsFlagsOf(response) };
        const answer = paymentAnswer(await charge(work, validate(chargeBody, request.body), progress));
        if (answer instanceof AppError) throw answer;
        return answer;
      },
    ),
  );

  router.get('/payments', async (request, response) => {
    const { orderId } = validate(z.object({ orderId: z.uuid() }), request.query, 'query');
    response.json({ payments: await findPaymentsForOrder(deps.pool, orderId) });
  });

  router.get('/payments/:id', async (request, response) => {
    const { id } = validate(paymentId, request.params, 'path');
    const payment = await findPayment(deps.pool, id);
    if (!payment) throw new AppError({ status: 404, code: 'payment-not-found', title: 'No such payment' });
    response.json(payment);
  });

  /** For the reconciler: settle a payment whose outcome was never learned from the provider's ledger. */
  router.post('/payments/:id/resolve', async (request, response) => {
    const { id } = validate(paymentId, request.params, 'path');
    const payment = await resolvePayment({ ...deps, flags: paymentsFlagsOf(response) }, id);
    if (!payment) throw new AppError({ status: 404, code: 'payment-not-found', title: 'No such payment' });
    response.json(payment);
  });

  return router;
}
