import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ClientBehaviour,
  customerOf,
  type EndpointGroup,
  loadAccounts,
  SHOP_ACCOUNTS,
  shopHeaders,
  shopRequest,
} from '@incident-lab/scenarios';
import type { Outcome, RequestResult } from './stats';

/** A client following Retry-After waits at most this long, so a phase still ends on time. */
const MAX_RETRY_AFTER_MS = 5_000;

interface Attempt {
  outcome: Outcome;
  status?: number;
  traceId?: string;
  retryAfterMs?: number;
}

/**
 * The shop as simulated users call it: the requests `shopRequest` (scenarios' `shop-load.ts`, which
 * the k6 scripts share) describes, sent with fetch. It holds every account's session token, logged
 * in once before the load.
 */
export class ShopClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly storefrontUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** Logs every seeded customer and the staff member in once, outside any measurement. */
  async loginAll(): Promise<void> {
    for (const email of loadAccounts()) {
      const response = await fetch(`${this.storefrontUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: SHOP_ACCOUNTS.password }),
      });
      if (!response.ok) throw new Error(`cannot log in ${email}: storefront answered ${response.status}`);
      this.tokens.set(email, ((await response.json()) as { token: string }).token);
    }
  }

  /** The pick's request as fetch sends it. `key` is the purchase's Idempotency-Key. */
  request(endpoint: EndpointGroup, pick: number, key: string): [string, RequestInit] {
    const request = shopRequest(endpoint, pick, key);
    const headers = shopHeaders(request, (email) => this.tokens.get(email));
    return [
      `${this.storefrontUrl}${request.path}`,
      {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      },
    ];
  }

  /** A user's view of one of their orders: its status, or undefined when storefront does not answer. */
  async orderStatus(pick: number, orderId: string): Promise<string | undefined> {
    try {
      const response = await fetch(`${this.storefrontUrl}/api/orders/${orderId}`, {
        headers: { authorization: `Bearer ${this.tokens.get(customerOf(pick))}` },
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

  /**
   * One user's request, with the retries their client makes: what they waited, and how it ended.
   * `startMs` is where the caller's timeline puts it.
   */
  async call(
    endpoint: EndpointGroup,
    pick: number,
    behaviour: ClientBehaviour,
    startMs: number,
  ): Promise<RequestResult> {
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
    const { outcome, status, traceId } = last;
    return {
      endpoint,
      startMs,
      latencyMs: performance.now() - started,
      firstAnswerMs,
      outcome,
      status,
      attempts,
      traceId,
    };
  }
}
