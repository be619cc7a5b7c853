// The delivery worker: fans the outbox out into deliveries, claims due ones per subscription (so a
// slow or dead endpoint only ever holds its own slots), sends them, and records each outcome. Each
// turn of its loop records the attempts that finished, fans out and claims in one transaction.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { AttemptRecord, ClaimedDelivery, DeliveryTurnResult, HealthPolicy, Store, Subscription } from '../store/index.js';
import { signingSecrets } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { newId } from '../util/ids.js';
import { parseRetryAfter } from '../vendors/http.js';
import { fanOutMatcher } from './match.js';
import { FilterCache } from '../filters/index.js';
import { shapePayload } from './payload.js';
import { nextRetryDelay } from './schedule.js';
import { prepareTarget, sendTo, Shutdown, type Target } from './send.js';
import { subscriptionRedactor } from './redaction.js';
import { signatureHeader } from './sign.js';
import { TokenBucket } from './rate.js';
import { AttemptRecorder, type FinishedAttempt } from './recorder.js';
import { storageErrorOf } from '../store/errors.js';

export interface DeliveryOptions {
  timeoutMs: number;
  retrySchedule: readonly number[];
  /** Attempts in flight across all subscriptions. */
  concurrency: number;
  /** Attempts in flight for one subscription: a hanging endpoint can hold no more than this. */
  perSubscriptionConcurrency: number;
  /** Circuit breaker and auto-disable rules. */
  health: HealthPolicy;
}

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  dispatcher: Dispatcher;
  userAgent: string;
  random?: () => number;
  /** Told about every recorded attempt (src/metrics.ts). */
  metrics?: DeliveryMetrics;
}

/** The worker's instrumentation hook; the worker itself knows nothing of Prometheus. */
export interface DeliveryMetrics {
  attemptFinished(subscriptionId: string, outcome: AttemptRecord['outcome'], durationMs: number): void;
  /** The database refused a write (full, read-only, I/O error). */
  storageFailed?(component: 'sync' | 'delivery', code: string): void;
  /** Fan-out kept `count` events back from a subscription: its content filter said no. */
  eventsFiltered?(subscriptionId: string, count: number): void;
}

const FANOUT_BATCH = 500;
/** Keeps the slow-start window a small integer; the subscription's own limit is lower anyway. */
const MAX_WINDOW = 1 << 16;
/** Upper bound on an idle wait: a safety net, every real change wakes the loop itself. */
const IDLE_WAIT_MS = 1000;
/**
 * How long the loop may use its copy of the enabled subscriptions. It is dropped at once by notify()
 * (every API change calls it) and by any outcome that changes an endpoint's health; the age limit
 * is a safety net. Measured: listing them cost ~0.2 ms per turn of the loop, a turn per few attempts.
 */
const SUBSCRIPTIONS_MAX_AGE_MS = 1000;

export class DeliveryWorker {
  private readonly inflight = new Map<string, number>();
  private total = 0;
  private readonly attempts = new Set<Promise<void>>();
  /** Cuts the attempts in flight short once the shutdown grace period is over. */
  private readonly shutdown = new Shutdown();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private rotation = 0;
  private readonly buckets = new Map<string, TokenBucket>();
  /**
   * Slow start per endpoint, as TCP does it: an endpoint not yet seen to answer may have one attempt
   * in flight, doubling with each success up to its limit; any failure drops it back to one. Endpoints
   * that hang then hold one global slot each, not their whole share, while healthy ones have work
   * (measured in bench/hanging-subscribers.ts). Pacing only, so it lives in memory.
   */
  private readonly windows = new Map<string, number>();
  /** Earliest time a paused subscription (open circuit, empty rate bucket) may send again. */
  private resumeAt: number | null = null;
  /**
   * The outbox may hold events not yet fanned out: set by notify() (new events, API changes) and
   * by an idle wait running out, not by finished attempts, which add no events. Measured: the empty
   * fan-out check (a transaction and two reads) cost ~0.08 ms on every turn of the loop.
   */
  private fanOutDue = true;
  private readonly recorder = new AttemptRecorder();
  /** A turn is queued for the check phase (setImmediate): attempts finishing meanwhile join it. */
  private turnScheduled = false;
  private subscriptions: { list: Subscription[]; byId: Map<string, Subscription>; readAt: number } | null = null;
  /** The storage error code of the current run of failed turns: logged once, not every turn. */
  private storageFailing: string | null = null;
  /** Content filters, compiled once per subscription change (not per event). */
  readonly filters = new FilterCache((subscription, problem) =>
    this.deps.logger.error({ subscription, problem }, 'stored subscription filter is invalid; it matches nothing until fixed'),
  );
  private readonly match = fanOutMatcher(this.filters);

  constructor(
    private readonly opts: DeliveryOptions,
    private readonly deps: DeliveryDeps,
  ) {
  }

  /** Voids leases a previous run of this process left (see DeliveryOps.releaseLeasesAtStart), then runs. */
  async start(replicaId: string): Promise<void> {
    await this.deps.store.deliveries.releaseLeasesAtStart(replicaId);
    this.loop ??= this.main();
  }

  /** New outbox events or a subscription change: look again now. */
  notify(): void {
    this.fanOutDue = true;
    this.subscriptions = null;
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
  private scheduleTurn(): void {
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
      const idleSlots = !this.stopping && this.total < this.opts.concurrency;
      const due = claimed === 0 && idleSlots ? await safe(() => store.deliveries.nextDueAfter(now)) : null;
      if (this.woken) continue;
      const next = Math.min(due ?? Infinity, this.resumeAt ?? Infinity);
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
    let wanted: Array<{ sub: Subscription; limit: number }> = [];
    let result: DeliveryTurnResult;
    try {
      // Inside the try: reading the subscriptions fails too while the database is away, and a throw
      // here ended the loop as an unhandled rejection, i.e. the process (seen when PostgreSQL restarted).
      wanted = this.stopping ? [] : await this.plan(now);
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
        maxTotal: this.opts.concurrency - this.total,
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
    this.forgetSubscriptionsIfChanged(done, result.recorded);
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
    for (const [id, n] of perSub) this.buckets.get(id)?.take(n, now);
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

  /** How many deliveries each subscription with free capacity may have claimed this turn. */
  private async plan(now: number): Promise<Array<{ sub: Subscription; limit: number }>> {
    const subs = await this.enabledSubscriptions(now);
    this.resumeAt = null;
    if (subs.length === 0) return [];
    // Start with a different subscription each time so none is always served last.
    this.rotation = (this.rotation + 1) % subs.length;
    const wanted: Array<{ sub: Subscription; limit: number }> = [];
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[(this.rotation + i) % subs.length]!;
      const limit = this.capacity(sub, now);
      if (limit > 0) wanted.push({ sub, limit });
    }
    return wanted;
  }

  /**
   * The cached subscriptions are stale when a recorded outcome changed an endpoint's health (or the
   * delivery was gone): anything but a success on an endpoint that was healthy, as launched and as cached.
   */
  private forgetSubscriptionsIfChanged(done: readonly FinishedAttempt[], results: ReadonlyArray<boolean | Error>): void {
    const cached = this.subscriptions;
    if (!cached) return;
    done.forEach((d, i) => {
      const current = cached.byId.get(d.request.subscriptionId);
      const unchanged =
        results[i] === true && d.request.attempt.outcome === 'succeeded' && d.subscriptionWasHealthy && (!current || isHealthy(current));
      if (!unchanged) this.subscriptions = null;
    });
  }

  private async enabledSubscriptions(now: number): Promise<Subscription[]> {
    const cached = this.subscriptions;
    if (cached && now - cached.readAt < SUBSCRIPTIONS_MAX_AGE_MS && now >= cached.readAt) return cached.list;
    const all = await this.deps.store.subscriptions.list();
    const list = all.filter((s) => s.enabled);
    this.subscriptions = { list, byId: new Map(list.map((s) => [s.id, s])), readAt: now };
    this.filters.retain(new Set(all.map((s) => s.id)));
    return list;
  }

  /**
   * How many attempts this subscription may start now: its concurrency (and slow-start window), rate
   * and circuit allow, as this process sees them. The store checks enabled, circuit and
   * maxConcurrency again against the rows when it claims (other replicas' attempts included).
   */
  private capacity(sub: Subscription, now: number): number {
    const resume = (at: number) => (this.resumeAt = Math.min(this.resumeAt ?? Infinity, at));
    const inflight = this.inflight.get(sub.id) ?? 0;
    let limit = Math.min(sub.maxConcurrency ?? this.opts.perSubscriptionConcurrency, this.windows.get(sub.id) ?? 1);
    if (sub.circuitOpenUntil !== null) {
      // Open: a failing endpoint costs nothing until the pause ends; then one probe at a time.
      if (sub.circuitOpenUntil > now) {
        resume(sub.circuitOpenUntil);
        return 0;
      }
      limit = 1;
    }
    let free = Math.min(limit - inflight, this.opts.concurrency - this.total);
    if (sub.maxPerSecond !== null) {
      let bucket = this.buckets.get(sub.id);
      if (!bucket || bucket.perSecond !== sub.maxPerSecond) this.buckets.set(sub.id, (bucket = new TokenBucket(sub.maxPerSecond, now)));
      const tokens = bucket.available(now);
      if (tokens < free) resume(bucket.nextTokenAt(now));
      free = Math.min(free, tokens);
    } else {
      this.buckets.delete(sub.id);
    }
    return free;
  }

  private launch(sub: Subscription, delivery: ClaimedDelivery): void {
    this.inflight.set(sub.id, (this.inflight.get(sub.id) ?? 0) + 1);
    this.total++;
    let held = true;
    // The slot is the HTTP request in flight: free once the response is in, before the outcome is
    // recorded, so the turn that records it can already fill the slot again.
    const freeSlot = (): boolean => {
      if (!held) return false;
      held = false;
      this.inflight.set(sub.id, (this.inflight.get(sub.id) ?? 1) - 1);
      this.total--;
      return true;
    };
    const p = this.attempt(sub, delivery, freeSlot)
      .catch((err) => this.deps.logger.error({ err, delivery: delivery.id }, 'delivery attempt crashed'))
      .finally(() => {
        this.attempts.delete(p);
        // An attempt that recorded an outcome already asked for its turn; one cut short did not.
        if (freeSlot() || this.stopping) this.scheduleTurn();
      });
    this.attempts.add(p);
  }

  private async attempt(sub: Subscription, delivery: ClaimedDelivery, freeSlot: () => boolean): Promise<void> {
    const { store, clock, logger } = this.deps;
    const { event } = delivery;
    const startedAt = clock.now();
    const timestamp = Math.floor(startedAt / 1000);
    // Every secret still in its rotation grace period signs too, so receivers verify with any of them.
    const secrets = signingSecrets(sub, startedAt);
    // Compact payloads: the signature covers exactly the bytes sent.
    const body = shapePayload(event.body, sub.payload);
    const result = await sendTo(targetOf(sub), {
      body,
      timeoutMs: this.opts.timeoutMs,
      dispatcher: this.deps.dispatcher,
      shutdown: this.shutdown,
      redactor: subscriptionRedactor(sub),
      // On top of the subscription's own headers (Target.headers), as before: ours win a clash.
      headers: {
        'content-type': 'application/json',
        'user-agent': this.deps.userAgent,
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, event.id, timestamp, body),
      },
    });
    if (this.shutdown.aborted && result.statusCode === null) {
      await store.deliveries.release(delivery).catch((err) => logger.warn({ err, delivery: delivery.id }, 'could not give the delivery back; its lease runs out instead'));
      return;
    }
    const now = clock.now();
    // A 2xx whose body broke off carries an error: not a success.
    const ok = result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    let delay: number | null = null;
    if (!ok && !gone) {
      const honoursRetryAfter = result.statusCode === 429 || result.statusCode === 503;
      delay = nextRetryDelay({
        attempts: delivery.attempt,
        schedule: this.opts.retrySchedule,
        retryAfterMs: honoursRetryAfter ? parseRetryAfter(result.retryAfterHeader ?? undefined, now) : null,
        random: this.deps.random,
      });
    }
    const outcome = ok ? 'succeeded' : delay === null ? 'failed' : 'retry';
    this.windows.set(sub.id, ok ? Math.min(2 * (this.windows.get(sub.id) ?? 1), MAX_WINDOW) : 1);
    freeSlot();
    const recording = this.recorder.add(
      {
        attempt: {
          id: newId('att', now),
          deliveryId: delivery.id,
          attempt: delivery.attempt,
          trigger: delivery.manual ? 'manual' : 'scheduled',
          startedAt,
          durationMs: result.durationMs,
          statusCode: result.statusCode,
          error: result.error,
          responseExcerpt: result.responseExcerpt,
          responseHeaders: result.responseHeaders,
          nextAttemptAt: delay === null ? null : now + delay,
          outcome,
          disableSubscription: gone ? 'endpoint returned 410 Gone' : undefined,
        },
        subscriptionId: sub.id,
        leaseToken: delivery.leaseToken,
        now,
      },
      isHealthy(sub),
    );
    this.scheduleTurn();
    await recording;
    this.deps.metrics?.attemptFinished(sub.id, outcome, result.durationMs);
    const log = { subscription: sub.id, delivery: delivery.id, event: event.id, attempt: delivery.attempt, status: result.statusCode };
    if (ok) logger.debug(log, 'webhook delivered');
    else if (gone) logger.warn(log, `subscriber returned 410 Gone; ${sub.origin === 'hook' ? 'REST hook removed' : 'subscription disabled'}`);
    else logger.warn({ ...log, error: result.error, nextAttemptInMs: delay }, outcome === 'failed' ? 'delivery failed for good' : 'delivery failed; will retry');
  }
}

// One target per subscription as read from the store: a changed subscription is a new object.
const targets = new WeakMap<Subscription, Target>();

function targetOf(sub: Subscription): Target {
  let target = targets.get(sub);
  if (!target) targets.set(sub, (target = prepareTarget(sub.url, sub.headers)));
  return target;
}

function isHealthy(sub: Subscription): boolean {
  return sub.consecutiveFailures === 0 && sub.failingSince === null && sub.circuitOpenUntil === null;
}

/** The value, or null when reading it failed (a paused database: the idle wait retries). */
async function safe<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}
