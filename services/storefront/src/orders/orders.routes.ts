import { AppError, idempotent, validate } from '@incident-lab/service-kit';
import { type Request, Router } from 'express';
import { requireUser } from '../auth/require-user';
import { type CheckoutDeps, checkout } from './checkout.service';
import { findOrder } from './orders.repo';
import { checkoutBody, orderIdParam } from './orders.schema';

/**
 * `POST /api/orders` answers 201 when the order is paid, 202 while its charge is queued, and a 402
 * problem (with the order id) when the charge failed; the order exists in every case.
 */
export function orderRoutes(deps: CheckoutDeps & { secret: string }): Router {
  const router = Router();

  const idempotency = {
    sql: (statement: string, params: unknown[]) => deps.db.query(statement, params),
    enabled: () => deps.flags.bool('idempotency-keys'),
    // Keys are per user: two users may pick the same key without meeting.
    scope: (request: Request) => String(requireUser(request, deps.secret)),
  };

  router.post(
    '/api/orders',
    idempotent(idempotency, async (request) => {
      const userId = requireUser(request, deps.secret);
      const body = validate(checkoutBody, request.body);
      const result = await checkout(deps, userId, `user-${userId}`, body);
      if (result.status === 'FAILED') {
        throw new AppError({
          status: 402,
          code: 'payment-failed',
          title: 'The payment for this order failed',
          detail: `Order ${result.orderId} was not paid: ${result.failureReason}`,
          headers: { location: `/api/orders/${result.orderId}` },
        });
      }
      return {
        status: result.status === 'PAID' ? 201 : 202,
        headers: { location: `/api/orders/${result.orderId}` },
        body: result,
      };
    }),
  );

  router.get('/api/orders/:id', async (request, response) => {
    const userId = requireUser(request, deps.secret);
    const { id } = validate(orderIdParam, request.params, 'path');
    const order = await findOrder(deps.db, id);
    if (!order || order.userId !== userId) {
      throw new AppError({
        status: 404,
        code: 'order-not-found',
        title: 'No such order',
        detail: `No order ${id}.`,
      });
    }
    response.json(order);
  });

  return router;
}
