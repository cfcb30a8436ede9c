/** How many wrong passwords a key may send within a window before login refuses it for a while. */
export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

/**
 * Per account: 10 wrong passwords a minute, then 429 until the oldest leaves the window. Per client
 * address: more, since a workshop behind one NAT shares an address. No lab scenario sends a wrong
 * password, so none trips it.
 */
export const LOGIN_THROTTLE = {
  account: { limit: 10, windowMs: 60_000 },
  address: { limit: 50, windowMs: 60_000 },
} satisfies Record<string, ThrottleRule>;

/** Keys remembered at most; past it the oldest are forgotten, so hostile traffic cannot grow memory. */
const MAX_KEYS = 10_000;

/**
 * Counts recent login failures per account and per client address, in this process's memory (one
 * storefront; a shop running several would keep the counts in a shared store such as Redis).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly rules: Record<'account' | 'address', ThrottleRule> = LOGIN_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(email: string, address: string) {
    return [
      { key: `account:${email.toLowerCase()}`, rule: this.rules.account },
      { key: `address:${address}`, rule: this.rules.address },
    ];
  }

  /** Failures of `key` still inside the rule's window, oldest first. */
  private recent(key: string, rule: ThrottleRule): number[] {
    const since = this.now() - rule.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((at) => at > since);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** Seconds until this account may try again from this address; 0 when it may now. */
  retryAfterS(email: string, address: string): number {
    let waitMs = 0;
    for (const { key, rule } of this.keys(email, address)) {
      const recent = this.recent(key, rule);
      if (recent.length >= rule.limit) {
        const oldest = recent[recent.length - rule.limit] as number;
        waitMs = Math.max(waitMs, oldest + rule.windowMs - this.now());
      }
    }
    return Math.ceil(waitMs / 1000);
  }

  recordFailure(email: string, address: string): void {
    for (const { key, rule } of this.keys(email, address)) {
      const recent = this.recent(key, rule);
      this.failures.delete(key);
      this.failures.set(key, [...recent, this.now()].slice(-rule.limit));
    }
    while (this.failures.size > MAX_KEYS) {
      this.failures.delete(this.failures.keys().next().value as string);
    }
  }

  /** The right password clears the account's count (the address keeps its own). */
  recordSuccess(email: string): void {
    this.failures.delete(`account:${email.toLowerCase()}`);
  }
}
