// The delivery loop: fans the outbox out into deliveries, claims due ones per subscription (so a slow
// or dead endpoint only ever holds its own slots), launches their attempts, and records each outcome.
// Each turn records the attempts that finished, fans out and claims in one transaction. Its stages
// live beside it: capacity.ts (slow start, circuit, rate, slots), attempt.ts (prepare, send, outcome).
import type { ClaimedDelivery, DeliveryTurnResult, Subscription } from '../store/index.js';
import { newId } from '../util/ids.js';
import { fanOutMatcher } from './match.js';
import { FilterCache } from '../filters/index.js';
import { Shutdown } from './send.js';
import { AttemptRecorder } from './recorder.js';
import { storageErrorOf } from '../store/errors.js';
import { Capacity, type Wanted } from './capacity.js';
import { runAttempt, type AttemptContext } from './attempt.js';
import type { DeliveryDeps, DeliveryOptions } from './options.js';
import { EnabledSubscriptions } from './subscriptions.js';

export type { DeliveryDeps, DeliveryMetrics, DeliveryOptions } from './options.js';

const FANOUT_BATCH = 500;
/** Upper bound on an idle wait: a safety net, every real change wakes the loop itself. */
const IDLE_WAIT_MS = 1000;

export class DeliveryWorker implements AttemptContext {
  private readonly attempts = new Set<Promise<void>>();
  /** Cuts the attempts in flight short once the shutdown grace period is over. */
  readonly shutdown = new Shutdown();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  readonly capacity: Capacity;
  /**
   * The outbox may hold events not yet fanned out: set by notify() (new events, API changes) and
   * by an idle wait running out, not by finished attempts, which add no events. Measured: the empty
   * fan-out check (a transaction and two reads) cost ~0.08 ms on every turn of the loop.
   */
  private fanOutDue = true;
  readonly recorder = new AttemptRecorder();
  /** A turn is queued for the check phase (setImmediate): attempts finishing meanwhile join it. */
  private turnScheduled = false;
  private readonly subscriptions: EnabledSubscriptions;
  /** The storage error code of the current run of failed turns: logged once, not every turn. */
  private storageFailing: string | null = null;
  /** Content filters, compiled once per subscription change (not per event). */
  readonly filters = new FilterCache((subscription, problem) =>
    this.deps.logger.error({ subscription, problem }, 'stored subscription filter is invalid; it matches nothing until fixed'),
  );
  private readonly match = fanOutMatcher(this.filters);

  constructor(
    readonly opts: DeliveryOptions,
    readonly deps: DeliveryDeps,
  ) {
    this.capacity = new Capacity(opts);
    this.subscriptions = new EnabledSubscriptions(deps.store, this.filters);
  }

  /** Voids leases a previous run of this process left (see DeliveryOps.releaseLeasesAtStart), then runs. */
  async start(replicaId: string): Promise<void> {
    await this.deps.store.deliveries.releaseLeasesAtStart(replicaId);
    this.loop ??= this.main();
  }

  /** New outbox events or a subscription change: look again now. */
  notify(): void {
    this.fanOutDue = true;
    this.subscriptions.forget();
    this.wake();
  }

  /** Look again now. */
  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Look again once the current poll phase is over: an attempt finished (its slot is free, its
   * outcome waits to be recorded), and others finishing in the same phase join the same turn.
   */
  scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.wake();
    });
  }

  /** Stops claiming; lets attempts in flight finish for up to graceMs, then cuts them short. */
  async stop(graceMs: number): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    const timer = setTimeout(() => this.shutdown.abort(), graceMs);
    this.notify();
    // The loop goes on recording outcomes until no attempt is left.
    await this.loop;
    await Promise.all(this.attempts);
    clearTimeout(timer);
  }

  private async main(): Promise<void> {
    const { store, clock } = this.deps;
    const finished = () => this.stopping && this.attempts.size === 0 && this.recorder.size === 0;
    while (!finished()) {
      this.woken = false;
      const claimed = await this.turn();
      if (finished()) break;
      if (this.woken) continue;
      const now = clock.now();
      // With every slot taken, the next finished attempt wakes the loop: no timer needed.
      const idleSlots = !this.stopping && this.capacity.free > 0;
      const due = claimed === 0 && idleSlots ? await safe(() => store.deliveries.nextDueAfter(now)) : null;
      if (this.woken) continue;
      const next = Math.min(due ?? Infinity, this.capacity.resumeAt ?? Infinity);
      const wait = next === Infinity ? IDLE_WAIT_MS : Math.min(IDLE_WAIT_MS, Math.max(1, next - now));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.fanOutDue = true; // the safety net: look at the outbox even if no one said so
          resolve();
        }, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.woken) this.wakeUp();
      });
      this.wakeUp = null;
    }
  }

  /**
   * One turn: records the attempts that finished, fans out new events and claims what the free
   * slots allow, in one store transaction (one commit: measured ~0.2 ms each on SQLite, so a separate
   * one for the claims cost as much per turn as the records' own). Returns how many it claimed.
   */
  private async turn(): Promise<number> {
    const { store, clock } = this.deps;
    const done = this.recorder.take();
    const now = clock.now();
    let wanted: Wanted[] = [];
    let result: DeliveryTurnResult;
    try {
      // Inside the try: reading the subscriptions fails too while the database is away, and a throw
      // here ended the loop as an unhandled rejection, i.e. the process (seen when PostgreSQL restarted).
      wanted = this.stopping ? [] : this.capacity.plan(await this.subscriptions.list(now), now);
      const fanOutLimit = !this.stopping && this.fanOutDue ? FANOUT_BATCH : 0;
      if (done.length === 0 && wanted.length === 0 && fanOutLimit === 0) return 0;
      this.fanOutDue = false;
      result = await store.deliveries.turn({
        records: done.map((d) => d.request),
        health: this.opts.health,
        fanOutLimit,
        match: this.match,
        newDeliveryId: () => newId('dlv', clock.now()),
        claims: wanted.map(({ sub, limit }) => ({ subscriptionId: sub.id, limit })),
        maxTotal: this.capacity.free,
        now,
        // The lease outlives the attempt's timeout, so only a dead process lets it lapse.
        leaseUntil: now + this.opts.timeoutMs + 30_000,
      });
    } catch (err) {
      this.fanOutDue = true;
      this.turnFailed(err);
      if (storageErrorOf(err) && !this.stopping) {
        // The database is full, read-only or gone for now: the outcomes wait in memory (their
        // deliveries stay leased) and commit in a later turn, so nothing is sent again once it is back.
        this.recorder.putBack(done);
      } else {
        // Nothing was recorded or claimed. Those attempts keep their leases, and the deliveries go
        // out again once the leases run out (at the latest after a restart).
        AttemptRecorder.settle(done, err instanceof Error ? err : new Error(String(err)));
      }
      return 0;
    }
    for (const f of result.filtered ?? []) this.deps.metrics?.eventsFiltered?.(f.subscriptionId, f.count);
    this.subscriptions.forgetIfChanged(done, result.recorded);
    AttemptRecorder.settle(done, result.recorded);
    if (result.claimError) {
      this.fanOutDue = true;
      this.turnFailed(result.claimError);
    } else if (!this.stopping) {
      this.storageRecovered();
    }
    // A full batch: there may be more to fan out, so turn again at once.
    if (result.moreToFanOut) {
      this.fanOutDue = true;
      this.woken = true;
    }
    const subs = new Map(wanted.map((w) => [w.sub.id, w.sub]));
    const perSub = new Map<string, number>();
    for (const d of result.claimed) {
      const sub = subs.get(d.subscriptionId);
      if (!sub) continue; // not asked for: cannot happen, the store claims only what it was asked
      perSub.set(sub.id, (perSub.get(sub.id) ?? 0) + 1);
      this.launch(sub, d);
    }
    this.capacity.took(perSub, now);
    return result.claimed.length;
  }

  /** Logs a failed turn; a storage failure only when it starts (turns retry every second until it passes). */
  private turnFailed(err: unknown): void {
    const storage = storageErrorOf(err, 'delivery paused');
    if (!storage) {
      this.deps.logger.error({ err }, 'delivery loop failed; retrying shortly');
      return;
    }
    this.deps.metrics?.storageFailed?.('delivery', storage.code);
    if (this.storageFailing === storage.code) return;
    this.storageFailing = storage.code;
    this.deps.logger.error({ err: { code: storage.code, message: storage.message } }, 'delivery paused: the database refuses writes; retrying every second');
  }

  private storageRecovered(): void {
    if (this.storageFailing === null) return;
    this.storageFailing = null;
    this.deps.logger.info('delivery resumed: the database accepts writes again');
  }

  private launch(sub: Subscription, delivery: ClaimedDelivery): void {
    const freeSlot = this.capacity.hold(sub.id);
    const p = runAttempt(this, sub, delivery, freeSlot)
      .catch((err) => this.deps.logger.error({ err, delivery: delivery.id }, 'delivery attempt crashed'))
      .finally(() => {
        this.attempts.delete(p);
        // An attempt that recorded an outcome already asked for its turn; one cut short did not.
        if (freeSlot() || this.stopping) this.scheduleTurn();
      });
    this.attempts.add(p);
  }
}

/** The value, or null when reading it failed (a paused database: the idle wait retries). */
async function safe<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}
