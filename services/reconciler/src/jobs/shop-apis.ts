import { internalAuth } from '@incident-lab/http-client';
import type { LedgerCharge, PaymentView, Settlement, ShopApi } from '../lessons/reconciler-repair';

/**
 * The reconciler's view of the outside: storefront's and payments' APIs and each provider's ledger.
 * The provider is the customer's truth; the reconciler asks it instead of trusting what the shop
 * recorded, and changes orders and payments only through the services that own them.
 */
/** Where the shop's services answer, and the internal token their routes ask for. */
export interface ShopUrls {
  internalToken: string;
  storefront: string;
  payments: string;
  providers: Record<'primary' | 'backup', string>;
}

const TIMEOUT_MS = 5_000;

async function call<T>(urls: ShopUrls, url: URL, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      ...internalAuth(urls.internalToken),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Every charge both providers recorded since `since`. */
async function ledgerSince(urls: ShopUrls, since: Date): Promise<LedgerCharge[]> {
  const lists = await Promise.all(
    (['primary', 'backup'] as const).map(async (provider) => {
      const url = new URL('/charges', urls.providers[provider]);
      url.searchParams.set('since', since.toISOString());
      const { charges } = await call<{ charges: Omit<LedgerCharge, 'provider'>[] }>(urls, url);
      return charges.map((charge) => ({ ...charge, provider }));
    }),
  );
  return lists.flat();
}

async function refund(urls: ShopUrls, charge: LedgerCharge): Promise<void> {
  await call(urls, new URL(`/charges/${charge.id}/refund`, urls.providers[charge.provider]), 'POST');
}

async function paymentsOf(urls: ShopUrls, orderId: string): Promise<PaymentView[]> {
  const url = new URL('/payments', urls.payments);
  url.searchParams.set('orderId', orderId);
  return (await call<{ payments: PaymentView[] }>(urls, url)).payments;
}

/** Payments asks the provider by the payment's reference and records what really happened. */
async function resolvePayment(urls: ShopUrls, paymentId: string): Promise<PaymentView> {
  return call<PaymentView>(urls, new URL(`/payments/${paymentId}/resolve`, urls.payments), 'POST');
}

/**
 * Asks storefront to settle a PENDING order. `moved` is false when it was settled already, or when
 * storefront refuses to fail it because it is still asking payments to charge it.
 */
async function settleOrder(
  urls: ShopUrls,
  orderId: string,
  settlement: Settlement,
): Promise<{ moved: boolean; status: string }> {
  return call(urls, new URL(`/internal/orders/${orderId}/settle`, urls.storefront), 'POST', settlement);
}

/** The shop's APIs at these URLs, as the reconciler's repair uses them. */
export function shopApi(urls: ShopUrls): ShopApi {
  return {
    ledgerSince: (since) => ledgerSince(urls, since),
    refund: (charge) => refund(urls, charge),
    paymentsOf: (orderId) => paymentsOf(urls, orderId),
    resolvePayment: (paymentId) => resolvePayment(urls, paymentId),
    settleOrder: (orderId, settlement) => settleOrder(urls, orderId, settlement),
  };
}
