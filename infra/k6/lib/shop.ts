import { sleep } from 'k6';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import type { ClientBehaviour, EndpointGroup } from '../../../packages/scenarios/src/scenario.ts';

const USERS = 20;
const PRODUCTS = 10;
const PASSWORD = 'lab-password';
/** The sales report is for staff: report requests carry the staff member's session. */
const STAFF = 'staff@shop.test';

export const BASE_URL = __ENV.BASE_URL ?? 'http://localhost:3000';

const email = (pick: number) => `user${(pick % USERS) + 1}@shop.test`;

/** Logs every seeded user and the staff member in once (k6 setup), so checkouts and reports carry a token. */
export function loginAll(): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const who of [...Array.from({ length: USERS }, (_, user) => email(user)), STAFF]) {
    const response = http.post(`${BASE_URL}/api/login`, JSON.stringify({ email: who, password: PASSWORD }), {
      headers: { 'content-type': 'application/json' },
    });
    tokens[who] = String(response.json('token'));
  }
  return tokens;
}

function once(endpoint: EndpointGroup, pick: number, tokens: Record<string, string>, timeoutMs: number) {
  const params = {
    headers: { 'content-type': 'application/json' },
    timeout: `${timeoutMs}ms`,
    tags: { endpoint },
  };
  switch (endpoint) {
    case 'login':
      return http.post(
        `${BASE_URL}/api/login`,
        JSON.stringify({ email: email(pick), password: PASSWORD }),
        params,
      );
    case 'products':
      return http.get(`${BASE_URL}/api/products`, params);
    case 'report':
      return http.get(`${BASE_URL}/api/reports/sales`, {
        ...params,
        headers: { ...params.headers, authorization: `Bearer ${tokens[STAFF]}` },
      });
    case 'checkout':
      return http.post(
        `${BASE_URL}/api/orders`,
        JSON.stringify({ items: [{ productId: (pick % PRODUCTS) + 1, quantity: (pick % 3) + 1 }] }),
        {
          ...params,
          headers: {
            ...params.headers,
            authorization: `Bearer ${tokens[email(pick)]}`,
            // One key per purchase, the same on its retries (the pick is drawn once per call).
            'idempotency-key': `k6-${__VU}-${__ITER}-${pick}`,
          },
        },
      );
  }
}

/** One simulated user's request with the retries their client makes, as in `lab run`. */
export function call(
  endpoint: EndpointGroup,
  tokens: Record<string, string>,
  timeoutMs: number,
  behaviour: ClientBehaviour,
): RefinedResponse<ResponseType | undefined> {
  const pick = Math.floor(Math.random() * 1_000_000);
  let response = once(endpoint, pick, tokens, timeoutMs);
  const retries = behaviour.onFailure === 'give-up' ? 0 : behaviour.retries;
  for (let attempt = 0; attempt < retries && (response.status < 200 || response.status >= 300); attempt++) {
    const wait = Number(response.headers['Retry-After']);
    if (behaviour.onFailure === 'retry' && behaviour.followRetryAfter && wait > 0) sleep(Math.min(wait, 5));
    response = once(endpoint, pick, tokens, timeoutMs);
  }
  return response;
}
