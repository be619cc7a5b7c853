// A source's request budget: a small burst, then a steady rate; list scans before detail fetches
// before background refreshes; plus the pauses the vendor asks for (Retry-After, RateLimit-Remaining: 0).
//
// Each limit "N requests per W" is a token bucket holding BURST_SHARE of N (at least 1) and refilled
// at (N - burst + 1) per W. A full bucket plus one window of refill is then at most N requests in any
// window of length W, so a vendor counting per fixed or sliding window never sees more than N; and
// the steady rate follows right after the burst. The sliding log used before sent N at once and then
// nothing for the rest of the window (PenguinMails: 60 requests in 2.5 s, then 58 s of silence, so a
// deleted lead was reported a minute late); a plain bucket of N refilled at N per W lets ~2N through
// one window.
import { sleep as realSleep } from '../util/time.js';

export interface RateLimit {
  requests: number;
  perMs: number;
}

/**
 * What a request is for, most urgent first. A waiting `scan` (a list page: change detection) goes
 * before any `detail` (a new or changed lead's details), and both before any `refresh` (re-reading an
 * unchanged lead). A refresh only uses what is left: it waits while the bucket holds half its burst
 * or less, so the next scan always finds tokens, and takes at most half the steady rate.
 */
export type RequestPriority = 'scan' | 'detail' | 'refresh';

/** Share of a limit that may go out at once; 10% of 60/min is 6 requests. */
export const BURST_SHARE = 0.1;

const RANK: Record<RequestPriority, number> = { scan: 0, detail: 1, refresh: 2 };

/** Tokens compared with this much slack, so float rounding never costs an extra 1 ms wait. */
const EPSILON = 1e-9;

export interface BudgetOptions {
  now?: () => number;
  /** Resolves after ms, or early when the signal aborts (tests pass a simulated clock's). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  /** Milliseconds until the bucket holds `n` tokens (0: it does now). */
  msUntil(n: number, t: number): number {
    this.refill(t);
    if (this.tokens >= n - EPSILON) return 0;
    return Math.max(1, Math.ceil((n - this.tokens) / this.perMs));
  }

  spend(t: number): void {
    this.refill(t);
    this.tokens -= 1;
  }

  private refill(t: number): void {
    if (t <= this.at) return;
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.at) * this.perMs);
    this.at = t;
  }
}

interface Limit {
  bucket: Bucket;
  /** Refreshes leave this many tokens in the bucket for the scan that comes next. */
  reserve: number;
  /** Refreshes also take from this one: half the steady rate. */
  refreshShare: Bucket;
}

interface Waiter {
  rank: number;
  seq: number;
  priority: RequestPriority;
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RequestBudget {
  private readonly limits: Limit[];
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private pausedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private seq = 0;
  private pumping = false;
  /** Interrupts the pump's sleep when a waiter arrives or leaves, so priorities are re-read. */
  private wake: AbortController | null = null;

  constructor(limits: readonly RateLimit[], opts: BudgetOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    const t = this.now();
    this.limits = limits.map((l) => {
      const burst = Math.max(1, Math.floor(l.requests * BURST_SHARE));
      const perMs = (l.requests - burst + 1) / l.perMs;
      const reserve = Math.floor(burst / 2);
      return { bucket: new Bucket(burst, perMs, t), reserve, refreshShare: new Bucket(Math.max(1, reserve), perMs / 2, t) };
    });
  }

  /** Waits for this request's turn under every limit and any vendor-requested pause, then counts it. */
  take(signal?: AbortSignal, priority: RequestPriority = 'scan'): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { rank: RANK[priority], seq: this.seq++, priority, resolve, reject };
      if (signal) {
        w.signal = signal;
        w.onAbort = () => {
          this.remove(w);
          reject(abortReason(signal));
          this.poke();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
      this.poke();
    });
  }

  /** The vendor said to wait (Retry-After, or RateLimit-Remaining 0 until reset). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.poke();
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

  private poke(): void {
    this.wake?.abort();
    if (!this.pumping) void this.pump();
  }

  /** Grants waiters one at a time, most urgent first (then in arrival order), each when its limits allow. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        const next = this.first();
        if (!next) return;
        const waitMs = this.msUntilAllowed(next.priority);
        if (waitMs <= 0) {
          this.spend(next.priority);
          this.remove(next);
          if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
          next.resolve();
          continue;
        }
        const wake = new AbortController();
        this.wake = wake;
        await this.sleep(waitMs, wake.signal);
        this.wake = null;
      }
    } finally {
      this.pumping = false;
    }
  }

  private msUntilAllowed(priority: RequestPriority): number {
    const t = this.now();
    let waitMs = this.pausedUntil - t;
    for (const l of this.limits) {
      if (priority === 'refresh') {
        waitMs = Math.max(waitMs, l.bucket.msUntil(1 + l.reserve, t), l.refreshShare.msUntil(1, t));
      } else {
        waitMs = Math.max(waitMs, l.bucket.msUntil(1, t));
      }
    }
    return waitMs;
  }

  private spend(priority: RequestPriority): void {
    const t = this.now();
    for (const l of this.limits) {
      l.bucket.spend(t);
      if (priority === 'refresh') l.refreshShare.spend(t);
    }
  }

  private first(): Waiter | undefined {
    let best: Waiter | undefined;
    for (const w of this.waiters) if (!best || w.rank < best.rank || (w.rank === best.rank && w.seq < best.seq)) best = w;
    return best;
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

function num(v: string | string[] | undefined): number | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s.split(/[;,]/)[0]);
  return Number.isFinite(n) ? n : null;
}
