// Fixed-window request limits for simulators (e.g. MEGA's 60/min and 1000/h), with the headers vendors send.
export interface SimRateLimit {
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the tightest window resets. */
  resetSeconds: number;
  remaining: number;
  limit: number;
}

export class SimRateLimiter {
  private readonly windows: Array<SimRateLimit & { start: number; count: number }>;

  constructor(
    limits: readonly SimRateLimit[],
    private readonly now: () => number = Date.now,
  ) {
    this.windows = limits.map((l) => ({ ...l, start: 0, count: 0 }));
  }

  /** Counts the request when allowed; a refused request does not count. */
  take(): RateDecision {
    const t = this.now();
    for (const w of this.windows) {
      // A window opens with the first request after the previous one closed.
      if (t - w.start >= w.windowMs) {
        w.start = t;
        w.count = 0;
      }
    }
    const full = this.windows.find((w) => w.count >= w.limit);
    if (full) {
      return { allowed: false, resetSeconds: Math.max(1, Math.ceil((full.start + full.windowMs - t) / 1000)), remaining: 0, limit: full.limit };
    }
    for (const w of this.windows) w.count++;
    // Report the window with the least room left, as RateLimit-* headers do.
    const tight = this.windows.reduce<(typeof this.windows)[number] | undefined>(
      (a, w) => (!a || w.limit - w.count < a.limit - a.count ? w : a),
      undefined,
    );
    if (!tight) return { allowed: true, resetSeconds: 0, remaining: Number.MAX_SAFE_INTEGER, limit: Number.MAX_SAFE_INTEGER };
    return {
      allowed: true,
      resetSeconds: Math.max(1, Math.ceil((tight.start + tight.windowMs - t) / 1000)),
      remaining: tight.limit - tight.count,
      limit: tight.limit,
    };
  }
}
