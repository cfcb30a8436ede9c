import { AppError, idempotent, parseIdempotencyKey, validate } from '@incident-lab/service-kit';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { requireUser } from '../auth/require-user';
import { storefrontFlagsOf } from '../flags';
import { checkoutKeys } from '../lessons/idempotency-keys';
import { type CheckoutDeps, checkout } from './checkout.service';
import { checkoutAnswer } from './checkout-answer';
import { findOrder, settleOrder } from './orders.repo';
import { checkoutBody, orderIdParam } from './orders.schema';
import { closePaymentRequest } from './payment-requests.repo';

/** The purchase's Idempotency-Key as the order records it, whatever the flags: what the audit groups by. */
function purchaseKey(request: Request, userId: number): string | null {
  const header = request.get('idempotency-key');
  const parsed = header === undefined ? undefined : parseIdempotencyKey(header);
  return parsed?.ok ? `${userId}:${parsed.key}` : null;
}

const settleBody = z.object({
  status: z.enum(['PAID', 'FAILED']),
  paymentId: z.uuid().optional(),
  reason: z.string().min(1).max(255),
});

/**
 * `POST /api/orders` answers 201 when the order is paid, 202 while its charge is queued, and a 402
 * problem (with the order id) when the charge failed; the order exists in every case.
 */
export function orderRoutes(
  deps: Omit<CheckoutDeps, 'flags'> & { secret: string; idempotencyKeyTtlS?: number },
): Router {
  const router = Router();

  const idempotency = {
    sql: (statement: string, params: unknown[]) => deps.db.query(statement, params),
    enabled: (response: Response) => checkoutKeys(storefrontFlagsOf(response)['idempotency-keys']).requireKey,
    // Keys are per user: two users may pick the same key without meeting.
    scope: async (request: Request) => String((await requireUser(request, deps.secret)).userId),
    ttlS: deps.idempotencyKeyTtlS,
  };

  router.post(
    '/api/orders',
    idempotent(idempotency, async (request, progress, response) => {
      const { userId } = await requireUser(request, deps.secret);
      const body = validate(checkoutBody, request.body);
      const purchase = { userId, customer: `user-${userId}`, purchaseKey: purchaseKey(request, userId) };
      const flags = storefrontFlagsOf(response);
      const answer = checkoutAnswer(await checkout({ ...deps, flags }, purchase, body, progress));
      if (answer instanceof AppError) throw answer;
      return answer;
    }),
  );

  router.get('/api/orders/:id', async (request, response) => {
    const { userId } = await requireUser(request, deps.secret);
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

/**
 * For the reconciler, behind the internal token (mounted at `/internal`): settle a PENDING order from
 * what the provider's ledger says. Storefront owns its orders, so the rule lives here: an order whose
 * charge request storefront still owes payments is not failed (`moved: false`); it is still being
 * paid. Repeating a call changes nothing.
 */
export function settleRoutes(deps: Pick<CheckoutDeps, 'db' | 'logger' | 'metrics'>): Router {
  const router = Router();
  router.post('/orders/:id/settle', async (request, response) => {
    const { id } = validate(orderIdParam, request.params, 'path');
    const { status, paymentId, reason } = validate(settleBody, request.body);
    const moved = await deps.db.transaction(async (connection) => {
      const settled = await settleOrder(
        connection,
        id,
        status,
        { paymentId, failureReason: status === 'FAILED' ? reason : null },
        { unlessRequestOpen: status === 'FAILED' },
      );
      if (settled) await closePaymentRequest(connection, id, 'ANSWERED');
      return settled;
    });
    const order = await findOrder(deps.db, id);
    if (!order) throw new AppError({ status: 404, code: 'order-not-found', title: 'No such order' });
    if (moved) {
      deps.metrics.ordersSettled.add(1, { status, by: 'reconciler' });
      deps.logger.warn({ orderId: id, paymentId, status, reason }, 'order settled by the reconciler');
    }
    response.json({ orderId: id, moved, status: order.status });
  });

  return router;
}
