import { sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import type { ClientBehaviour, EndpointGroup } from '../../../packages/scenarios/src/scenario.ts';
import {
  loadAccounts,
  SHOP_ACCOUNTS,
  shopHeaders,
  shopRequest,
} from '../../../packages/scenarios/src/shop-load.ts';

export const BASE_URL = __ENV.BASE_URL ?? 'http://localhost:3000';

/** Logs every seeded customer and the staff member in once (k6 setup), as `lab run` does. */
export function loginAll(): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const email of loadAccounts()) {
    const response = http.post(
      `${BASE_URL}/api/login`,
      JSON.stringify({ email, password: SHOP_ACCOUNTS.password }),
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    tokens[email] = String(response.json('token'));
  }
  return tokens;
}

/** The pick's request (built by the same `shopRequest` as `lab run`), sent with k6's http. */
function once(
  endpoint: EndpointGroup,
  pick: number,
  key: string,
  tokens: Record<string, string>,
  timeoutMs: number,
) {
  const request = shopRequest(endpoint, pick, key);
  const headers = shopHeaders(request, (email) => tokens[email]);
  const body = request.body === undefined ? null : JSON.stringify(request.body);
  return http.request(request.method, `${BASE_URL}${request.path}`, body, {
    headers,
    timeout: `${timeoutMs}ms`,
    tags: { endpoint },
  });
}

/**
 * One simulated user's request with the retries their client makes, as in `lab run`. `pick` comes
 * from the scenario's seeded sequence (the same picks `lab run` sends), so both phases, and both
 * load generators, ask for the same things.
 */
export function call(
  endpoint: EndpointGroup,
  pick: number,
  tokens: Record<string, string>,
  timeoutMs: number,
  behaviour: ClientBehaviour,
): RefinedResponse<ResponseType | undefined> {
  // One key per purchase, the same on its retries.
  const key = `k6-${exec.scenario.name}-${exec.scenario.iterationInTest}-${pick}`;
  let response = once(endpoint, pick, key, tokens, timeoutMs);
  const retries = behaviour.onFailure === 'give-up' ? 0 : behaviour.retries;
  for (let attempt = 0; attempt < retries && (response.status < 200 || response.status >= 300); attempt++) {
    const wait = Number(response.headers['Retry-After']);
    if (behaviour.onFailure === 'retry' && behaviour.followRetryAfter && wait > 0) sleep(Math.min(wait, 5));
    response = once(endpoint, pick, key, tokens, timeoutMs);
  }
  return response;
}
