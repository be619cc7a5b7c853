// Per-subscription send rate (maxPerSecond): a token bucket of one token, so no window of one second
// ever holds more than maxPerSecond + 1 sends (a bigger bucket would allow a burst of twice the rate).
// Throttling only: losing it on restart loses nothing, so it lives in memory.
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    readonly perSecond: number,
    now: number,
  ) {
    this.capacity = 1;
    this.tokens = this.capacity;
    this.last = now;
  }

  /** Whole sends allowed now. */
  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
  }

  /** When the next whole token is there. */
  nextTokenAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? now : now + Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
