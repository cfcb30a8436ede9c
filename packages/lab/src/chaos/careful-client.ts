import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CarefulClient } from '@incident-lab/scenarios';
import type { ShopClient } from '../load/shop-client';

/**
 * How a checkout ended for the customer: `paid` (201, or 202 and then PAID); `failed` (402, a
 * refusal to act on); `refused` (another 4xx); `accepted-then-failed` (201/202, then the order
 * FAILED: the shop broke its promise); `pending` (202, never settled while the client watched);
 * `gave-up` (no definitive answer before the client stopped retrying).
 */
export type CheckoutEnd = 'paid' | 'failed' | 'refused' | 'accepted-then-failed' | 'pending' | 'gave-up';

/** Endings that tell the customer where they stand. */
export const DEFINITIVE: readonly CheckoutEnd[] = ['paid', 'failed', 'refused', 'accepted-then-failed'];

export interface Attempt {
  /** Milliseconds after the load started. */
  atMs: number;
  /** The HTTP status, or what happened instead. */
  result: number | 'network' | 'timeout';
}

export interface CheckoutRecord {
  index: number;
  pick: number;
  key: string;
  startedAtMs: number;
  endedAtMs: number;
  attempts: Attempt[];
  end: CheckoutEnd;
  /** Answered 201 or 202: the shop took the order on. */
  accepted: boolean;
  orderId?: string;
  traceId?: string;
}

/** Full jitter: a random pause up to the doubling cap (AWS's backoff advice), or Retry-After if longer. */
function pauseMs(client: CarefulClient, retry: number, retryAfterS: number | undefined): number {
  const cap = Math.min(client.backoffMs.max, client.backoffMs.first * 2 ** retry);
  return Math.max(Math.random() * cap, (retryAfterS ?? 0) * 1000);
}

/**
 * One customer's checkout, as a careful client makes it: one Idempotency-Key for the purchase,
 * retried on a network error, a 5xx or a 409 until the shop gives an answer it stands behind.
 */
export async function carefulCheckout(
  shop: ShopClient,
  client: CarefulClient,
  checkout: { index: number; pick: number },
  loadStart: number,
): Promise<CheckoutRecord> {
  const key = randomUUID();
  const now = () => performance.now() - loadStart;
  const record: CheckoutRecord = {
    ...checkout,
    key,
    startedAtMs: now(),
    endedAtMs: 0,
    attempts: [],
    end: 'gave-up',
    accepted: false,
  };
  const giveUpAt = record.startedAtMs + client.retryForS * 1000;
  for (let retry = 0; ; retry++) {
    const [url, init] = shop.request('checkout', checkout.pick, key);
    let retryAfterS: number | undefined;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(client.attemptTimeoutMs) });
      const body = (await response.json().catch(() => ({}))) as { orderId?: string; detail?: string };
      record.attempts.push({ atMs: now(), result: response.status });
      record.traceId = response.headers.get('x-trace-id') ?? record.traceId;
      const location = response.headers.get('location');
      record.orderId = body.orderId ?? location?.split('/').pop() ?? record.orderId;
      if (response.status === 201) {
        record.accepted = true;
        record.end = 'paid';
        break;
      }
      if (response.status === 202) {
        record.accepted = true;
        record.end = await watchOrder(shop, client, checkout.pick, record.orderId);
        break;
      }
      if (response.status === 402) {
        record.end = 'failed';
        break;
      }
      if (response.status < 500 && response.status !== 409) {
        record.end = 'refused';
        break;
      }
      const header = Number(response.headers.get('retry-after'));
      retryAfterS = Number.isFinite(header) && header > 0 ? header : undefined;
    } catch (error) {
      record.attempts.push({
        atMs: now(),
        result: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network',
      });
    }
    const pause = pauseMs(client, retry, retryAfterS);
    if (now() + pause > giveUpAt) break;
    await sleep(pause);
  }
  record.endedAtMs = now();
  return record;
}

/** After a 202: asks for the order until it is PAID or FAILED, as a client app polls its order page. */
async function watchOrder(
  shop: ShopClient,
  client: CarefulClient,
  pick: number,
  orderId: string | undefined,
): Promise<CheckoutEnd> {
  if (!orderId) return 'pending';
  const deadline = performance.now() + client.pollForS * 1000;
  while (performance.now() < deadline) {
    const status = await shop.orderStatus(pick, orderId);
    if (status === 'PAID') return 'paid';
    if (status === 'FAILED') return 'accepted-then-failed';
    await sleep(2_000);
  }
  return 'pending';
}
