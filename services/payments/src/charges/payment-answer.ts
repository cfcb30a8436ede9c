import { AppError, type StoredAnswer } from '@incident-lab/service-kit';
import type { Payment } from './payments.repo';

/**
 * What `POST /payments` answers for a payment: 201 completed, 202 queued or still unknown, a 402
 * problem when it failed. The route and the completer of abandoned keys answer the same way.
 */
export function paymentAnswer(payment: Payment): StoredAnswer | AppError {
  if (payment.status === 'FAILED') {
    return new AppError({
      status: 402,
      code: 'payment-failed',
      title: 'The charge failed',
      detail: payment.failureReason ?? 'the provider refused the charge',
      headers: { location: `/payments/${payment.id}` },
    });
  }
  return {
    status: payment.status === 'COMPLETED' ? 201 : 202,
    headers: { location: `/payments/${payment.id}` },
    body: { paymentId: payment.id, ...payment },
  };
}
