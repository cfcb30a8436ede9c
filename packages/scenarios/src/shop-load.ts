// The load's side of the shop, in one file both load generators import: `lab run` (Node) and the k6
// scripts (k6 loads this file as it is, so it imports no values from other files).

/**
 * The endpoints a scenario drives, in the order their seeded sequences are made (a new one goes last,
 * so the others keep their sequences). `reprice` is the staff changing a product's price.
 */
export type EndpointGroup = 'login' | 'products' | 'checkout' | 'report' | 'reprice';
export const ENDPOINT_GROUPS: readonly EndpointGroup[] = [
  'login',
  'products',
  'checkout',
  'report',
  'reprice',
];

/** The seeded accounts (storefront's seed makes them) and the catalogue's size. */
export const SHOP_ACCOUNTS = {
  customers: 20,
  password: 'lab-password',
  /** The sales report is for staff: report requests go as this account. */
  staff: 'staff@shop.test',
};
export const SHOP_PRODUCTS = 10;

/** Seeded customer number `n` (1-based). */
export function customerEmail(n: number): string {
  return `user${n}@shop.test`;
}

/** The customer a pick stands for. */
export function customerOf(pick: number): string {
  return customerEmail((pick % SHOP_ACCOUNTS.customers) + 1);
}

/** Every account the load logs in before it starts: the customers and the staff member. */
export function loadAccounts(): string[] {
  return [
    ...Array.from({ length: SHOP_ACCOUNTS.customers }, (_, i) => customerEmail(i + 1)),
    SHOP_ACCOUNTS.staff,
  ];
}

/** mulberry32: a small seeded generator, so the same seed replays the same request sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Arrival {
  /** Milliseconds after the phase's load starts. */
  atMs: number;
  endpoint: EndpointGroup;
  /** Picks the user and the basket: fixed by the seed, so both phases send the same requests. */
  pick: number;
}

/**
 * The open-model request sequence: Poisson arrivals per endpoint at its rate, independent of how
 * fast the shop answers. Same seed and rates give the same sequence in every phase.
 */
export function arrivals(
  ratePerS: Partial<Record<EndpointGroup, number>>,
  totalS: number,
  seed: number,
): Arrival[] {
  const all: Arrival[] = [];
  ENDPOINT_GROUPS.forEach((endpoint, index) => {
    const rate = ratePerS[endpoint] ?? 0;
    if (rate <= 0) return;
    const random = seededRandom(seed * 31 + index);
    for (let atMs = 0; ; ) {
      atMs += (-Math.log(1 - random()) / rate) * 1000;
      if (atMs >= totalS * 1000) break;
      all.push({ atMs, endpoint, pick: Math.floor(random() * 1_000_000) });
    }
  });
  return all.sort((a, b) => a.atMs - b.atMs);
}

/** Scales every endpoint's rate so that together they make `totalPerS`, keeping the mix. */
export function scaleRates(
  ratePerS: Partial<Record<EndpointGroup, number>>,
  totalPerS: number,
): Partial<Record<EndpointGroup, number>> {
  const sum = Object.values(ratePerS).reduce((total: number, rate) => total + (rate ?? 0), 0);
  if (sum === 0) return ratePerS;
  return Object.fromEntries(
    Object.entries(ratePerS).map(([endpoint, rate]) => [endpoint, ((rate ?? 0) * totalPerS) / sum]),
  );
}

/** One request of the load, before a client sends it with its own HTTP library. */
export interface ShopRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  /** Whose session it carries (a logged-in account's e-mail), if any. */
  as?: string;
  idempotencyKey?: string;
}

/**
 * What a pick asks of the shop: the same for `lab run` and k6. `key` is the purchase's
 * Idempotency-Key: one per purchase, the same on each of its retries.
 */
export function shopRequest(endpoint: EndpointGroup, pick: number, key: string): ShopRequest {
  switch (endpoint) {
    case 'login':
      return {
        method: 'POST',
        path: '/api/login',
        body: { email: customerOf(pick), password: SHOP_ACCOUNTS.password },
      };
    case 'products':
      return { method: 'GET', path: '/api/products' };
    case 'report':
      return { method: 'GET', path: '/api/reports/sales', as: SHOP_ACCOUNTS.staff };
    case 'reprice':
      // Every new price is above every seeded one (at most 89.00): a change that never reached the
      // cache leaves the customers charged less than the catalogue says.
      return {
        method: 'PUT',
        path: `/api/staff/products/${(pick % SHOP_PRODUCTS) + 1}/price`,
        body: { priceCents: 10_000 + (pick % 10_000) },
        as: SHOP_ACCOUNTS.staff,
      };
    case 'checkout':
      return {
        method: 'POST',
        path: '/api/orders',
        body: { items: [{ productId: (pick % SHOP_PRODUCTS) + 1, quantity: (pick % 3) + 1 }] },
        as: customerOf(pick),
        idempotencyKey: key,
      };
  }
}

/** The headers a request goes out with, whichever client sends it; `tokenOf` gives an account's session. */
export function shopHeaders(
  request: ShopRequest,
  tokenOf: (email: string) => string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.as) headers.authorization = `Bearer ${tokenOf(request.as)}`;
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  return headers;
}
