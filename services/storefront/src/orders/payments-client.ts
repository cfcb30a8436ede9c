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
export async function requestCharge(paymentsUrl: string, charge: ChargeRequest): Promise<ChargeOutcome> {
  let response: Response;
  try {
    response = await fetch(new URL('/payments', paymentsUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(charge),
    });
  } catch (error) {
    return { status: 'FAILED', reason: `payments unreachable: ${(error as Error).message}` };
  }
  const body = (await response.json().catch(() => ({}))) as {
    paymentId?: string;
    status?: string;
    detail?: string;
  };
  if (response.status === 201 && body.paymentId) return { status: 'COMPLETED', paymentId: body.paymentId };
  if (response.status === 202 && body.paymentId) return { status: 'QUEUED', paymentId: body.paymentId };
  return {
    status: 'FAILED',
    paymentId: body.paymentId,
    reason: body.detail ?? `payments answered ${response.status}`,
  };
}
