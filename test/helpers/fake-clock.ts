// A simulated clock for code that takes `now` and `sleep` (Convoy's simulated clock): time moves only
// when the test advances it, so rates over minutes or hours are checked in milliseconds, exactly.
interface Timer {
  at: number;
  seq: number;
  fire(): void;
}

export class FakeClock {
  private t: number;
  private timers: Timer[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          this.timers = this.timers.filter((x) => x !== timer);
          signal?.removeEventListener('abort', timer.fire);
          resolve();
        },
      };
      signal?.addEventListener('abort', timer.fire, { once: true });
      this.timers.push(timer);
    });

  /** Moves time forward by `ms`, firing due timers in order and letting the code they wake run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      due.fire();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every promise callback that is ready run (a macrotask turn). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
