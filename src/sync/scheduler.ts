// The poll loop of one source: runs on an interval with jitter, never two runs at once; a manual
// trigger during a run queues exactly one more run.
import { emptyRunStats, type RunResult } from './engine.js';
import { jitter, sleep } from '../util/time.js';

export interface PollLoopOptions {
  intervalMs: number;
  /** Fraction of the interval added or removed at random, so many sources don't poll in lockstep. */
  jitter?: number;
  random?: () => number;
  /** Told about a run that threw instead of returning its result. */
  onCrash?: (err: unknown) => void;
}

/** One run: `signal` stops it (shutdown); `spareTime` is PullContext.spareTime. */
export type RunOnce = (signal: AbortSignal, spareTime: () => AbortSignal) => Promise<RunResult>;

/**
 * The time one run may fill with optional work: from the end of its change detection (begin) until
 * the next poll is due, one interval later. Without it, optional work at the end of a run (detail
 * refreshes waiting for their share of the budget) would push every later poll back by its length.
 */
class SpareTime {
  private readonly controller = new AbortController();
  private dueAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly periodMs: number,
    private readonly stop: AbortSignal,
  ) {}

  begin(): AbortSignal {
    if (this.dueAt === null && !this.controller.signal.aborted) {
      this.dueAt = Date.now() + this.periodMs;
      this.timer = setTimeout(() => this.controller.abort(), this.periodMs);
    }
    return AbortSignal.any([this.stop, this.controller.signal]);
  }

  /** A sync was asked for, or the run is over: optional work stops now. */
  end(): void {
    clearTimeout(this.timer);
    this.controller.abort();
  }

  /** How long until the next poll: one period after change detection ended, or after the run when it never said. */
  untilNextPoll(): number {
    return this.dueAt === null ? this.periodMs : Math.max(0, this.dueAt - Date.now());
  }
}

export class PollLoop {
  private readonly stopController = new AbortController();
  private wake: (() => void) | null = null;
  private waiters: Array<(r: RunResult) => void> = [];
  private pendingTrigger = false;
  private loop: Promise<void> | null = null;
  private spare: SpareTime | null = null;
  running = false;

  constructor(
    private readonly runOnce: RunOnce,
    private readonly opts: PollLoopOptions,
  ) {}

  start(): void {
    this.loop ??= this.main();
  }

  /** Asks for a run now; resolves with the result of the run that starts after this call. */
  trigger(): Promise<RunResult> {
    this.pendingTrigger = true;
    const result = new Promise<RunResult>((resolve) => this.waiters.push(resolve));
    this.spare?.end();
    this.wake?.();
    return result;
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake?.();
    await this.loop;
  }

  private async main(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const waiters = this.waiters;
      this.waiters = [];
      this.pendingTrigger = false;
      this.running = true;
      const spare = new SpareTime(jitter(this.opts.intervalMs, this.opts.jitter ?? 0.1, this.opts.random), signal);
      this.spare = spare;
      let result: RunResult;
      try {
        result = await this.runOnce(signal, () => spare.begin());
      } catch (err) {
        // A run that throws (e.g. the database is unwritable) must not end the loop: report it and poll on.
        result = { ok: false, stats: emptyRunStats(), error: { code: 'sync_failed', message: (err as Error).message } };
        this.opts.onCrash?.(err);
      } finally {
        this.running = false;
        this.spare = null;
        spare.end();
      }
      for (const w of waiters) w(result);
      if (signal.aborted || this.pendingTrigger) continue;
      const wait = new AbortController();
      this.wake = () => wait.abort();
      await sleep(spare.untilNextPoll(), AbortSignal.any([signal, wait.signal]));
      this.wake = null;
    }
    const aborted: RunResult = {
      ok: false,
      stats: emptyRunStats(),
      error: { code: 'sync_aborted', message: 'relay is shutting down' },
    };
    for (const w of this.waiters) w(aborted);
  }
}
