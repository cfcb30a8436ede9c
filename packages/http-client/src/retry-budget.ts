/**
 * A retry budget: retries may add at most `ratio` extra calls on top of first tries, plus a small
 * reserve. When a dependency fails everything, retries stop instead of multiplying its load.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    private readonly ratio = 0.2,
    private readonly reserve = 10,
  ) {
    this.tokens = reserve;
  }

  /** Every first try earns a fraction of a retry. */
  recordCall(): void {
    this.tokens = Math.min(this.reserve, this.tokens + this.ratio);
  }

  /** Spends one retry if the budget has one. */
  tryRetry(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
