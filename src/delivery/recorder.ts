// Group commit of attempt outcomes: attempts that finish in the same turn of the event loop are
// recorded in one transaction. Each attempt waits for its own record to commit before its slot is
// freed, so no attempt counts as done before its outcome is durable.
import type { HealthPolicy, RecordRequest, Store } from '../store/index.js';

interface Waiting {
  request: RecordRequest;
  resolve: (recorded: boolean) => void;
  reject: (err: Error) => void;
}

// Measured on the delivery benchmark (bench/DELIVERY_RESULTS.md): one transaction per attempt cost
// ~0.27 ms, most of it the commit; flushing at setImmediate adds no wait (the check phase follows
// the poll phase whose responses finished the attempts) yet groups every response read together.
export class AttemptRecorder {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly health: HealthPolicy,
  ) {}

  /** Resolves once the attempt is committed: true, or false when its delivery no longer exists. */
  record(request: RecordRequest): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    let results: Array<boolean | Error>;
    try {
      results = this.store.deliveries.recordAttempts(
        batch.map((w) => w.request),
        this.health,
      );
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i]!;
      if (result instanceof Error) w.reject(result);
      else w.resolve(result);
    });
  }
}
