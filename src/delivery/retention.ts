// Retention: shortly after start and then every hour, deletes finished deliveries (with their
// attempts) and events older than delivery.retention, and expired dashboard sessions, in small
// batches that never hold up sync or delivery. The lead snapshot (leads, lead_events) is state, not history: it is never pruned.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';

export interface RetentionOptions {
  /** ms a finished delivery and an unneeded event are kept. */
  retentionMs: number;
  /** ms between runs (default 1 h). */
  intervalMs?: number;
  /** ms from start() to the first run (default 30 s: after start-up work, not during it). */
  firstRunAfterMs?: number;
  /** Rows deleted per statement (default 500). */
  batchSize?: number;
}

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This replica: of the replicas sharing a database, one prunes each interval (store TickOps). */
  replicaId: string;
}

export interface PruneResult {
  /** Everything older than this was eligible. */
  cutoff: string;
  deliveries: number;
  events: number;
  /** Expired dashboard login sessions deleted. */
  sessions: number;
  durationMs: number;
  /** False when stop() cut the run short; the next run picks up the rest. */
  complete: boolean;
}

const HOUR_MS = 3_600_000;
// Each batch is one DELETE statement, so one short write transaction, and the pruner yields to the
// event loop after each: a sync page commit or an attempt record waits at most one batch. Measured
// pruning 150,000 deliveries (300,000 attempts) and 150,000 events: ~7 ms per batch of 500
// (median), ~90 ms for the slowest (those that ran a WAL checkpoint), 7.6 s in all.
const DEFAULT_BATCH = 500;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RetentionPruner {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<PruneResult> | null = null;
  private stopping = false;

  constructor(
    private readonly opts: RetentionOptions,
    private readonly deps: RetentionDeps,
  ) {}

  start(): void {
    if (this.timer || this.stopping) return;
    this.schedule(this.opts.firstRunAfterMs ?? 30_000);
  }

  /** Runs a prune now (after the one in progress, if any) and resolves with its counts. */
  pruneNow(): Promise<PruneResult> {
    const previous = this.current ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.run());
    this.current = run;
    const clear = () => {
      if (this.current === run) this.current = null;
    };
    run.then(clear, clear);
    return run;
  }

  /** Cancels the timer and waits for a run in progress, which stops after its current batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.scheduledRun()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention run failed; will retry at the next run'))
        .finally(() => this.schedule(this.opts.intervalMs ?? HOUR_MS));
    }, delayMs);
    // The pruner alone never keeps the process alive.
    this.timer.unref();
  }

  /** A timer's run: every replica's timer fires, the one that claims this interval's tick prunes. */
  private async scheduledRun(): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const slot = Math.floor(now / (this.opts.intervalMs ?? HOUR_MS));
    if (await store.ticks.claim('retention', slot, this.deps.replicaId, now)) await this.pruneNow();
  }

  private async run(): Promise<PruneResult> {
    const { store, clock, logger } = this.deps;
    const batch = this.opts.batchSize ?? DEFAULT_BATCH;
    const started = clock.now();
    const cutoffMs = started - this.opts.retentionMs;
    const cutoff = new Date(cutoffMs).toISOString();
    let deliveries = 0;
    let events = 0;
    let sessions = 0;
    let complete = false;

    // Deliveries first: an old event is only free to go once its finished deliveries are gone.
    for (;;) {
      if (this.stopping) break;
      const n = await store.retention.deleteFinishedDeliveries(cutoffMs, batch);
      deliveries += n;
      await yieldToEventLoop();
      if (n < batch) {
        complete = true;
        break;
      }
    }
    if (complete) {
      complete = false;
      let from = '';
      for (;;) {
        if (this.stopping) break;
        const r = await store.retention.deleteUnreferencedEvents(cutoff, from, batch);
        events += r.deleted;
        from = r.nextFromIso;
        await yieldToEventLoop();
        if (r.deleted < batch) {
          complete = true;
          break;
        }
      }
    }

    // Last, so a stop() mid-run leaves the history work as it was. Expired sessions no longer log
    // anyone in (SessionOps.get ignores them); this only drops their rows.
    while (complete && !this.stopping) {
      const n = await store.sessions.deleteExpired(started, batch);
      sessions += n;
      await yieldToEventLoop();
      if (n < batch) break;
    }

    const result: PruneResult = { cutoff, deliveries, events, sessions, durationMs: clock.now() - started, complete };
    if (deliveries > 0 || events > 0 || sessions > 0 || !complete) logger.info(result, 'retention pruned old deliveries, events and sessions');
    else logger.debug(result, 'retention found nothing to prune');
    return result;
  }
}
