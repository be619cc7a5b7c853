// A source's request budget: at most N requests in any window of each configured length, plus
// pauses the vendor asks for (Retry-After, RateLimit-Remaining: 0).
//
// Why a sliding log and not a plain token bucket: a bucket of N refilling N per minute can send
// almost 2N requests inside one fixed minute window (a full bucket, then the refill), which is
// exactly what a vendor's fixed-window limiter (MEGA: 60/min, 1000/h) answers with 429. Counting the
// requests sent in the last window never exceeds the limit in any window, fixed or sliding.
import { sleep } from '../util/time.js';

export interface RateLimit {
  requests: number;
  perMs: number;
}

export class RequestBudget {
  /** Send times of recent requests, oldest first (at most the largest limit's count). */
  private readonly sent: number[] = [];
  private pausedUntil = 0;
  private readonly keep: number;
  /** Serializes waiters so requests leave in order and never overshoot together. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limits: readonly RateLimit[],
    private readonly now: () => number = Date.now,
  ) {
    this.keep = Math.max(0, ...limits.map((l) => l.requests));
  }

  /** Waits until one more request fits every limit and any vendor-requested pause, then counts it. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForRoom(signal));
    this.queue = turn.catch(() => {});
    return turn;
  }

  /** Requests that could be sent right now without waiting (for optional work like detail refreshes). */
  available(): number {
    const t = this.now();
    if (t < this.pausedUntil) return 0;
    let room = Number.MAX_SAFE_INTEGER;
    for (const l of this.limits) room = Math.min(room, l.requests - this.countSince(t - l.perMs));
    return Math.max(0, room);
  }

  /** The vendor said to wait (Retry-After, or RateLimit-Remaining 0 until reset). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Reads the vendor's rate-limit headers: a used-up window pauses the budget until it resets. */
  observe(headers: Record<string, string | string[] | undefined>): void {
    const remaining = num(headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining']);
    if (remaining === null || remaining > 0) return;
    const reset = num(headers['ratelimit-reset'] ?? headers['x-ratelimit-reset']);
    if (reset === null) return;
    // X-RateLimit-Reset is sometimes an epoch time in seconds rather than a delay.
    const delayMs = reset > 1e9 ? reset * 1000 - Date.now() : reset * 1000;
    this.pauseFor(Math.min(Math.max(0, delayMs), 3_600_000));
  }

  private async waitForRoom(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const t = this.now();
      let waitMs = Math.max(0, this.pausedUntil - t);
      for (const l of this.limits) {
        const used = this.countSince(t - l.perMs);
        if (used >= l.requests) {
          // The oldest request inside the window must age out first.
          const oldestInWindow = this.sent[this.sent.length - l.requests]!;
          waitMs = Math.max(waitMs, oldestInWindow + l.perMs - t + 1);
        }
      }
      if (waitMs <= 0) break;
      await sleep(waitMs, signal);
    }
    this.sent.push(this.now());
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep);
  }

  private countSince(from: number): number {
    let n = 0;
    for (let i = this.sent.length - 1; i >= 0 && this.sent[i]! > from; i--) n++;
    return n;
  }
}

function num(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s.split(/[;,]/)[0]);
  return Number.isFinite(n) ? n : null;
}
