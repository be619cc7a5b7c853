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

export class PollLoop {
  private readonly stopController = new AbortController();
  private wake: (() => void) | null = null;
  private waiters: Array<(r: RunResult) => void> = [];
  private pendingTrigger = false;
  private loop: Promise<void> | null = null;
  running = false;

  constructor(
    private readonly runOnce: (signal: AbortSignal) => Promise<RunResult>,
    private readonly opts: PollLoopOptions,
  ) {}

  start(): void {
    this.loop ??= this.main();
  }

  /** Asks for a run now; resolves with the result of the run that starts after this call. */
  trigger(): Promise<RunResult> {
    this.pendingTrigger = true;
    const result = new Promise<RunResult>((resolve) => this.waiters.push(resolve));
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
      let result: RunResult;
      try {
        result = await this.runOnce(signal);
      } catch (err) {
        // A run that throws (e.g. the database is unwritable) must not end the loop: report it and poll on.
        result = { ok: false, stats: emptyRunStats(), error: { code: 'sync_failed', message: (err as Error).message } };
        this.opts.onCrash?.(err);
      } finally {
        this.running = false;
      }
      for (const w of waiters) w(result);
      if (signal.aborted || this.pendingTrigger) continue;
      const delay = jitter(this.opts.intervalMs, this.opts.jitter ?? 0.1, this.opts.random);
      const wait = new AbortController();
      this.wake = () => wait.abort();
      await sleep(delay, AbortSignal.any([signal, wait.signal]));
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
