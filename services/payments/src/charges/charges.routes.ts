import { AppError, validate } from '@incident-lab/service-kit';
import { Router } from 'express';
import { z } from 'zod';
import { type ChargeDeps, charge } from './charge.service';
import { findPayment } from './payments.repo';

const chargeBody = z.object({
  orderId: z.uuid(),
  amountCents: z.number().int().positive().max(10_000_000),
  customer: z.string().min(1).max(255),
});

/**
 * `POST /payments` answers 201 with a completed payment, 202 when the charge was queued for later,
 * and a 402 problem (naming the payment) when it failed.
 */
export function chargeRoutes(deps: ChargeDeps): Router {
  const router = Router();

  router.post('/payments', async (request, response) => {
    const payment = await charge(deps, validate(chargeBody, request.body));
    if (payment.status === 'FAILED') {
      throw new AppError({
        status: 402,
        code: 'payment-failed',
        title: 'The charge failed',
        detail: payment.failureReason ?? 'the provider refused the charge',
        headers: { location: `/payments/${payment.id}` },
      });
    }
    response
      .status(payment.status === 'COMPLETED' ? 201 : 202)
      .location(`/payments/${payment.id}`)
      .json({ paymentId: payment.id, ...payment });
  });

  router.get('/payments/:id', async (request, response) => {
    const { id } = validate(z.object({ id: z.uuid() }), request.params, 'path');
    const payment = await findPayment(deps.pool, id);
    if (!payment) throw new AppError({ status: 404, code: 'payment-not-found', title: 'No such payment' });
    response.json(payment);
  });

  return router;
}
