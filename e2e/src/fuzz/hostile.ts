import fc from 'fast-check';
import type { Route } from './routes';

/** Strings that have broken services before: injection, traversal, control bytes, huge and odd numbers. */
const NASTY_STRINGS = [
  '',
  ' ',
  "' OR 1=1 --",
  '"; DROP TABLE orders; --',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\uFEFF',
  '🙂',
  // A log4j-style lookup, sent as plain text.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself is the attack
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '2147483648',
  '9007199254740993',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(300),
  'x'.repeat(20_000),
  '__proto__',
  'constructor',
];

const NASTY_NUMBERS = [0, -1, -0, 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 1, 1e308, -1e308, 10_000_001];

const hostileString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uuid(),
);
const hostileNumber = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.integer(), fc.double({ noNaN: true }));

/** JSON nested `depth` levels deep: arrays or objects. */
const deep = fc
  .tuple(fc.integer({ min: 20, max: 200 }), fc.boolean())
  .map(([depth, arrays]) =>
    JSON.parse(
      arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
  );

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  deep,
);

/** A valid body for each write route: the fuzz changes one field of it, or sends something else entirely. */
function template(route: Route, uuid: string): Record<string, unknown> {
  if (route.path === '/api/login') return { email: 'user1@shop.test', password: 'lab-password' };
  if (route.path === '/api/orders') return { items: [{ productId: 1, quantity: 1 }] };
  if (route.path.endsWith('/settle'))
    return { status: 'PAID', paymentId: uuid, reason: 'ledger says charged' };
  if (route.path === '/payments') return { orderId: uuid, amountCents: 1200, customer: 'user-1' };
  if (route.path === '/charges')
    return { reference: uuid, orderId: uuid, amountCents: 1200, customer: 'user-1' };
  if (route.path === '/invoices')
    return { paymentId: uuid, orderId: uuid, amountCents: 1200, customer: 'user-1' };
  return {};
}

const FIELDS = [
  'email',
  'password',
  'items',
  'productId',
  'quantity',
  'status',
  'paymentId',
  'reason',
  'orderId',
  'amountCents',
  'customer',
  'reference',
];
const QUERY_KEYS = ['orderId', 'paymentId', 'reference', 'since', 'graceS', 'limit'];

const body = (route: Route): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    // The valid body: so that requests get past validation and the handlers themselves are tried.
    { weight: 3, arbitrary: fc.uuid({ version: 4 }).map((id) => JSON.stringify(template(route, id))) },
    // One field of a valid body made hostile.
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...FIELDS), hostileValue, fc.uuid({ version: 4 }))
        .map(([field, value, id]) => JSON.stringify({ ...template(route, id), [field]: value })),
    },
    fc
      .dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 4 })
      .map((value) => JSON.stringify(value)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{', '{"items":', '[1,]', 'null', '"\\ud800"')),
    fc.constant(undefined),
  );

/** Path parameters replaced by hostile text, URL-encoded as a client would send it. */
const concretePath = (route: Route): fc.Arbitrary<string> => {
  const params = route.path.match(/:\w+/g) ?? [];
  return fc
    .array(fc.oneof(fc.uuid(), hostileString), { minLength: params.length, maxLength: params.length })
    .map((values) => {
      let path = route.path;
      for (const [i, param] of params.entries())
        path = path.replace(param, encodeURIComponent(values[i] ?? ''));
      return path;
    });
};

export type Credential = 'none' | 'internal' | 'customer' | 'staff' | 'garbage' | 'alg-none';

export interface HostileRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  credential: Credential;
  idempotencyKey: string | undefined;
  contentType: string | undefined;
  body: string | undefined;
}

/** Header values fetch can send: Latin-1 only. */
const headerText = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 80 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('"quoted-key"', '"unterminated', 'x'.repeat(300), '', 'a\tb'),
);

/** Health and metrics are a small part of a service: its own routes get most of the requests. */
const isProbe = (route: Route) => route.path.startsWith('/health') || route.path === '/metrics';

/**
 * One hostile request to one of `routes`. Most carry the credential the route's callers hold
 * (`usual`), JSON and a valid or nearly valid body, so the handlers are reached and not only the
 * front door; the rest is anything at all.
 */
export function hostileRequest(routes: Route[], usual: Credential): fc.Arbitrary<HostileRequest> {
  const own = routes.filter((route) => !isProbe(route));
  const probes = routes.filter(isProbe);
  const pick = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...own) },
    { weight: 1, arbitrary: fc.constantFrom(...probes) },
  );
  return pick.chain((route) =>
    fc.record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
      path: concretePath(route),
      query: fc.dictionary(fc.constantFrom(...QUERY_KEYS), hostileString.map(String), { maxKeys: 3 }),
      credential: fc.oneof(
        { weight: 4, arbitrary: fc.constant(usual) },
        {
          weight: 3,
          arbitrary: fc.constantFrom<Credential>(
            'none',
            'internal',
            'customer',
            'staff',
            'garbage',
            'alg-none',
          ),
        },
      ),
      idempotencyKey: fc.option(headerText, { nil: undefined }),
      contentType: fc.oneof(
        { weight: 5, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            undefined,
            'text/plain',
            'application/json; charset=utf-16',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ),
        },
      ),
      body: body(route),
    }),
  );
}
