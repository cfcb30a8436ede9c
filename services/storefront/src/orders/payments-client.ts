import { setTimeout as sleep } from 'node:timers/promises';
import { internalAuth, postJson, UnreachableError } from '@incident-lab/http-client';
import { trace } from '@opentelemetry/api';

/** What payments answered about a charge, reduced to what checkout needs. */
export type ChargeOutcome =
  | { status: 'COMPLETED'; paymentId: string }
  | { status: 'QUEUED'; paymentId: string }
  | { status: 'FAILED'; paymentId?: string; reason: string }
  /** No usable answer (timeout, dropped connection, 5xx, 409): the card may or may not be charged. */
  | { status: 'UNKNOWN'; reason: string; inFlight?: boolean };

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  customer: string;
}

/** Where payments answers, and the internal token its routes ask for. */
export interface PaymentsApi {
  url: string;
  internalToken: string;
}

/** Checkout asks payments at most this many times when no usable answer comes back. */
export const PAYMENT_TRIES = 3;
const IN_FLIGHT_PAUSE_MS = 1_000;

/** One request to payments, reduced to what checkout needs. */
export async function askPayments(
  payments: PaymentsApi,
  charge: ChargeRequest,
  options: { timeoutMs?: number; idempotencyKey?: string; resendCount?: number },
): Promise<ChargeOutcome> {
  const headers = {
    ...internalAuth(payments.internalToken),
    ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
  };
  try {
    const { status, body } = await postJson(new URL('/payments', payments.url), charge, {
      timeoutMs: options.timeoutMs,
      headers,
      resendCount: options.resendCount,
    });
    const paymentId = typeof body.paymentId === 'string' ? body.paymentId : undefined;
    if (status === 201 && paymentId) return { status: 'COMPLETED', paymentId };
    if (status === 202 && paymentId) return { status: 'QUEUED', paymentId };
    const reason = String(body.detail ?? body.title ?? `payments answered ${status}`);
    if (status >= 500 || status === 409)
      return { status: 'UNKNOWN', reason: `payments answered ${status}`, inFlight: status === 409 };
    return { status: 'FAILED', paymentId, reason };
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    return { status: 'UNKNOWN', reason: `no answer from payments: ${error.message}` };
  }
}

/**
 * Asks payments to charge an order, and asks again (up to `PAYMENT_TRIES`) while no usable answer
 * comes back, as every HTTP client with retries does. Without an idempotency key each try is a new
 * charge request; with one, payments runs it once and answers the retries with the same result.
 */
export async function requestCharge(
  payments: PaymentsApi,
  charge: ChargeRequest,
  options: { timeoutMs?: number; idempotencyKey?: string } = {},
): Promise<ChargeOutcome> {
  let outcome = await askPayments(payments, charge, options);
  for (let attempt = 2; attempt <= PAYMENT_TRIES && outcome.status === 'UNKNOWN'; attempt++) {
    trace
      .getActiveSpan()
      ?.addEvent('retrying payments', { 'shop.retry.attempt': attempt, 'shop.retry.reason': outcome.reason });
    if (outcome.inFlight) await sleep(IN_FLIGHT_PAUSE_MS);
    outcome = await askPayments(payments, charge, { ...options, resendCount: attempt - 1 });
  }
  return outcome;
}

/** The payments payments holds for an order (none: it never heard of it). Throws when payments cannot say. */
export async function paymentsOfOrder(payments: PaymentsApi, orderId: string): Promise<unknown[]> {
  const url = new URL('/payments', payments.url);
  url.searchParams.set('orderId', orderId);
  const response = await fetch(url, {
    headers: internalAuth(payments.internalToken),
    signal: AbortSignal.timeout(2_000),
  });
  if (!response.ok)
    throw new Error(`payments answered ${response.status} for the payments of order ${orderId}`);
  return ((await response.json()) as { payments: unknown[] }).payments;
}
