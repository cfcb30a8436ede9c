import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientBehaviour, EndpointGroup } from '@incident-lab/scenarios';
import { SEED_PASSWORD, SEED_USERS, STAFF_EMAIL, seedUserEmail } from '@incident-lab/storefront/seed';
import type { Outcome } from './stats';

const PRODUCTS = 10;
/** A client following Retry-After waits at most this long, so a phase still ends on time. */
const MAX_RETRY_AFTER_MS = 5_000;

interface Attempt {
  outcome: Outcome;
  status?: number;
  traceId?: string;
  retryAfterMs?: number;
}

function userEmail(pick: number): string {
  return seedUserEmail((pick % SEED_USERS) + 1);
}

/**
 * The shop as simulated users call it; it holds each seeded user's login token for checkouts, and
 * the staff member's for the sales report.
 */
export class ShopClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly storefrontUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** Logs every seeded user and the staff member in once, outside any measurement, so requests have tokens. */
  async loginAll(): Promise<void> {
    const everyone = [...Array.from({ length: SEED_USERS }, (_, user) => userEmail(user)), STAFF_EMAIL];
    for (const email of everyone) {
      const response = await fetch(`${this.storefrontUrl}/api/login`, this.loginRequest(email));
      if (!response.ok) throw new Error(`cannot log in ${email}: storefront answered ${response.status}`);
      this.tokens.set(email, ((await response.json()) as { token: string }).token);
    }
  }

  private loginRequest(email: string): RequestInit {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: SEED_PASSWORD }),
    };
  }

  /** `key` is the purchase's Idempotency-Key: one per purchase, the same on each of its retries. */
  request(endpoint: EndpointGroup, pick: number, key: string): [string, RequestInit] {
    const base = this.storefrontUrl;
    switch (endpoint) {
      case 'login':
        return [`${base}/api/login`, this.loginRequest(userEmail(pick))];
      case 'products':
        return [`${base}/api/products`, {}];
      case 'report':
        return [
          `${base}/api/reports/sales`,
          { headers: { authorization: `Bearer ${this.tokens.get(STAFF_EMAIL)}` } },
        ];
      case 'checkout': {
        const items = [{ productId: (pick % PRODUCTS) + 1, quantity: (pick % 3) + 1 }];
        return [
          `${base}/api/orders`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${this.tokens.get(userEmail(pick))}`,
              'idempotency-key': key,
            },
            body: JSON.stringify({ items }),
          },
        ];
      }
    }
  }

  /** A user's view of one of their orders: its status, or undefined when storefront does not answer. */
  async orderStatus(pick: number, orderId: string): Promise<string | undefined> {
    try {
      const response = await fetch(`${this.storefrontUrl}/api/orders/${orderId}`, {
        headers: { authorization: `Bearer ${this.tokens.get(userEmail(pick))}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status === 404) return 'NOT FOUND';
      if (!response.ok) return undefined;
      return ((await response.json()) as { status: string }).status;
    } catch {
      return undefined;
    }
  }

  private async attempt(endpoint: EndpointGroup, pick: number, key: string): Promise<Attempt> {
    const [url, init] = this.request(endpoint, pick, key);
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      await response.arrayBuffer();
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        outcome: response.status >= 200 && response.status < 300 ? 'ok' : 'error',
        status: response.status,
        traceId: response.headers.get('x-trace-id') ?? undefined,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    } catch (error) {
      return { outcome: (error as Error).name === 'TimeoutError' ? 'timeout' : 'error' };
    }
  }

  /** One user's request, with the retries their client makes: what they waited, and how it ended. */
  async call(endpoint: EndpointGroup, pick: number, behaviour: ClientBehaviour) {
    let attempts = 1;
    const key = randomUUID();
    const started = performance.now();
    let last = await this.attempt(endpoint, pick, key);
    const firstAnswerMs = performance.now() - started;
    const retries = behaviour.onFailure === 'give-up' ? 0 : behaviour.retries;
    while (last.outcome !== 'ok' && attempts <= retries) {
      if (behaviour.onFailure === 'retry' && behaviour.followRetryAfter && last.retryAfterMs !== undefined) {
        await sleep(Math.min(last.retryAfterMs, MAX_RETRY_AFTER_MS));
      }
      attempts++;
      last = await this.attempt(endpoint, pick, key);
    }
    return { ...last, attempts, firstAnswerMs };
  }
}
