import { AppError, type StoredAnswer } from '@incident-lab/service-kit';
import type { CheckoutResult } from './checkout.service';

/**
 * What `POST /api/orders` answers: 201 when the order is paid, 202 while its charge is under way, a
 * 402 problem (with the order's address) when it failed. The route and the completer of abandoned
 * keys answer the same way.
 */
export function checkoutAnswer(result: CheckoutResult): StoredAnswer | AppError {
  if (result.status === 'FAILED') {
    return new AppError({
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
}
