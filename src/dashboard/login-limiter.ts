// Failed dashboard logins, counted per client address in this process's memory: past the limit, a
// client waits before it may try again. Per replica (each counts its own); a token of 24+ random
// characters cannot be guessed anyway, this keeps the log and the CPU free of someone trying.

export interface LoginLimits {
  /** Failures allowed per window and client. */
  maxFailures: number;
  windowMs: number;
  /** Clients remembered at most (the oldest are forgotten first): bounded memory whatever the traffic. */
  maxClients: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailures: 10, windowMs: 5 * 60_000, maxClients: 10_000 };

export class LoginLimiter {
  /** Client → times of its failures within the window, oldest first. Map order: least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** 0 when the client may try; else how many ms until it may. */
  retryAfterMs(client: string): number {
    const times = this.recent(client);
    if (times.length < this.limits.maxFailures) return 0;
    return Math.max(1, times[0]! + this.limits.windowMs - this.now());
  }

  fail(client: string): void {
    const times = this.recent(client);
    times.push(this.now());
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.limits.maxClients) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const times = (this.failures.get(client) ?? []).filter((t) => t > since);
    if (times.length === 0) this.failures.delete(client);
    return times;
  }
}
