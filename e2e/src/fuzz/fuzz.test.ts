import { serverUrls } from '@incident-lab/config';
import { SCENARIOS } from '@incident-lab/scenarios';
import { SEED_PASSWORD, STAFF_EMAIL } from '@incident-lab/storefront/seed';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessShop, type ShopService, startInProcessShop } from '../support/in-process-shop';
import { type Credential, type HostileRequest, hostileRequest } from './hostile';
import { routesOf } from './routes';
import { rowCounter } from './row-counts';

/**
 * The shop tried as an attacker would: hostile requests to every route of every service, flags at
 * their defaults and with every lab's fixes on. Whatever comes in: never a 5xx, every error is
 * problem+json, a refused request stores nothing, and every service still answers /health/live.
 *
 * `FUZZ_RUNS` is the number of requests in all, split evenly over the six
 * services and two flag sets (3 000 by default, about 20 s). SECURITY.md says how to run it long.
 */
const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 3_000);
const FLAG_SETS: Record<string, Record<string, string>> = {
  'flags at their defaults': {},
  'every fix on': Object.assign({}, ...Object.values(SCENARIOS).map((scenario) => scenario.phases.fixed)),
};
/** Who usually calls each service: most requests carry that credential. */
const USUAL_CREDENTIAL: Record<string, Credential> = { storefront: 'customer' };
/** Answers that refuse the request itself; what it asked for must not have happened. */
const REFUSALS = new Set([400, 401, 403, 404, 405, 413, 415, 422, 429]);

let shop: InProcessShop;
let rows: Awaited<ReturnType<typeof rowCounter>>;
let credentials: Record<Credential, string | undefined>;

async function login(storefront: string, email: string): Promise<string> {
  const response = await fetch(`${storefront}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: SEED_PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
}

beforeAll(async () => {
  shop = await startInProcessShop('fuzz');
  rows = await rowCounter(serverUrls().mysqlUrl, shop.namespace);
  const storefront = shop.services.find((service) => service.name === 'storefront')?.url as string;
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  credentials = {
    none: undefined,
    internal: shop.internalToken,
    customer: await login(storefront, 'user1@shop.test'),
    staff: await login(storefront, STAFF_EMAIL),
    garbage: 'eyJhbGciOiJIUzI1NiJ9.bnVsbA.c2lnbmF0dXJl',
    'alg-none': `${part({ alg: 'none' })}.${part({ sub: '1', role: 'staff', exp: 9_999_999_999 })}.`,
  };
}, 120_000);

afterAll(async () => {
  await rows?.end();
  await shop?.stop();
});

async function send(service: ShopService, request: HostileRequest) {
  const url = new URL(request.path, service.url);
  for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
  const headers: Record<string, string> = {};
  const credential = credentials[request.credential];
  if (credential) headers.authorization = `Bearer ${credential}`;
  if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
  if (request.contentType) headers['content-type'] = request.contentType;
  const withBody = !['GET', 'HEAD'].includes(request.method) && request.body !== undefined;
  const response = await fetch(url, {
    method: request.method,
    headers,
    body: withBody ? request.body : undefined,
    signal: AbortSignal.timeout(20_000),
  });
  return { response, text: await response.text() };
}

const live = async (service: ShopService) =>
  (await fetch(`${service.url}/health/live`, { signal: AbortSignal.timeout(5_000) })).status;

describe.each(Object.entries(FLAG_SETS))('hostile requests, %s', (flagSet, flags) => {
  beforeAll(() => shop.setFlags(flags));

  it.each(['storefront', 'payments', 'provider-primary', 'provider-backup', 'invoicing', 'reconciler'])(
    '%s: no 5xx, every error problem+json, nothing stored by a refusal, still live',
    async (name) => {
      const service = shop.services.find((each) => each.name === name) as ShopService;
      const routes = routesOf(service.app);
      expect(routes.length).toBeGreaterThan(3);
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(hostileRequest(routes, USUAL_CREDENTIAL[name] ?? 'internal'), async (request) => {
          const before = await rows.counts();
          const { response, text } = await send(service, request);
          const status = response.status;
          seen.set(status, (seen.get(status) ?? 0) + 1);
          expect(status, text.slice(0, 300)).toBeLessThan(500);
          if (status >= 400) {
            expect(String(response.headers.get('content-type')), `${status} ${text.slice(0, 200)}`).toMatch(
              /^application\/problem\+json/,
            );
            expect(JSON.parse(text)).toMatchObject({ status, type: expect.stringMatching(/^\/problems\//) });
          }
          if (REFUSALS.has(status))
            expect(await rows.counts(), `${status} ${text.slice(0, 200)}`).toEqual(before);
        }),
        { numRuns: Math.max(10, Math.round(TOTAL_RUNS / 12)), endOnFailure: true },
      );
      for (const each of shop.services) expect(await live(each), each.name).toBe(200);
      const answers = [...seen].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
      console.log(`fuzz ${name}, ${flagSet}: ${answers.join(' ')}`);
      // The suite reached past the front door: some requests were served, some refused.
      const statuses = [...seen.keys()];
      expect(
        statuses.some((status) => status < 300),
        JSON.stringify([...seen]),
      ).toBe(true);
      expect(
        statuses.some((status) => status >= 400),
        JSON.stringify([...seen]),
      ).toBe(true);
    },
    300_000,
  );
});
