// Finished attempts waiting to be recorded. The worker records all of them in its next turn, in
// the same transaction as that turn's claims (a group commit); each attempt waits for its own
// outcome to commit, so none counts as done before it is durable.
import type { RecordRequest } from '../store/index.js';

interface Waiting {
  request: RecordRequest;
  /** The subscription had a clean health record when the attempt started. */
  subscriptionWasHealthy: boolean;
  resolve: (recorded: boolean) => void;
  reject: (err: Error) => void;
}

// Measured on the delivery benchmark (bench/DELIVERY_RESULTS.md): one transaction per attempt cost
// ~0.27 ms, most of it the commit, and the claim that followed each finished attempt another. The
// worker's turn runs at setImmediate after responses arrive, so it adds no wait, yet gathers every
// response read in that poll phase into one commit.
export class AttemptRecorder {
  private queue: Waiting[] = [];

  get size(): number {
    return this.queue.length;
  }

  /** Resolves once the outcome is committed: true, or false when its delivery no longer exists. */
  add(request: RecordRequest, subscriptionWasHealthy: boolean): Promise<boolean> {
    return new Promise((resolve, reject) => this.queue.push({ request, subscriptionWasHealthy, resolve, reject }));
  }

  /** Everything waiting, in the order the attempts finished. */
  take(): Waiting[] {
    const batch = this.queue;
    this.queue = [];
    return batch;
  }

  /**
   * Puts a taken batch back, ahead of anything added since, when its commit failed for a reason that
   * passes (a full or read-only database): the outcomes wait in memory and commit in a later turn.
   */
  putBack(batch: readonly Waiting[]): void {
    this.queue = [...batch, ...this.queue];
  }

  /** Tells each attempt of a taken batch how its record went (per attempt, or one error for all). */
  static settle(batch: readonly Waiting[], results: ReadonlyArray<boolean | Error> | Error): void {
    batch.forEach((w, i) => {
      const result = results instanceof Error ? results : results[i]!;
      if (result instanceof Error) w.reject(result);
      else w.resolve(result);
    });
  }
}

export type { Waiting as FinishedAttempt };
