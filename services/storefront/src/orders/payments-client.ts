import { postJson, UnreachableError } from '@incident-lab/http-client';

/** What payments answered about a charge, reduced to what checkout needs. */
export type ChargeOutcome =
  | { status: 'COMPLETED'; paymentId: string }
  | { status: 'QUEUED'; paymentId: string }
  | { status: 'FAILED'; paymentId?: string; reason: string };

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  customer: string;
}

/**
 * Asks payments to charge an order. Any answer other than a completed or queued payment, including
 * no answer at all, is a failed charge from checkout's point of view.
 */
export async function requestCharge(
  paymentsUrl: string,
  charge: ChargeRequest,
  timeoutMs?: number,
): Promise<ChargeOutcome> {
  try {
    const { status, body } = await postJson(new URL('/payments', paymentsUrl), charge, { timeoutMs });
    const paymentId = typeof body.paymentId === 'string' ? body.paymentId : undefined;
    if (status === 201 && paymentId) return { status: 'COMPLETED', paymentId };
    if (status === 202 && paymentId) return { status: 'QUEUED', paymentId };
    return { status: 'FAILED', paymentId, reason: String(body.detail ?? `payments answered ${status}`) };
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    return { status: 'FAILED', reason: `payments unreachable: ${error.message}` };
  }
}
