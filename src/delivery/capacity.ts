// Capacity: how many attempts each subscription may start now, as this process sees it. Slots held by
// attempts in flight (global and per subscription), slow start per endpoint, the circuit breaker's
// pause and probe, and the per-endpoint rate (rate.ts). All of it pacing, so all of it in memory; the
// store checks enabled, circuit and maxConcurrency again against the rows when it claims.
import type { Subscription } from '../store/index.js';
import { TokenBucket } from './rate.js';

/** Keeps the slow-start window a small integer; the subscription's own limit is lower anyway. */
const MAX_WINDOW = 1 << 16;

/** A subscription with free capacity and how many deliveries it may have claimed this turn. */
export interface Wanted {
  sub: Subscription;
  limit: number;
}

export class Capacity {
  private readonly inflight = new Map<string, number>();
  /** Attempts in flight across all subscriptions. */
  total = 0;
  private rotation = 0;
  private readonly buckets = new Map<string, TokenBucket>();
  /**
   * Slow start per endpoint, as TCP does it: an endpoint not yet seen to answer may have one attempt
   * in flight, doubling with each success up to its limit; any failure drops it back to one. Endpoints
   * that hang then hold one global slot each, not their whole share, while healthy ones have work
   * (measured in bench/hanging-subscribers.ts).
   */
  private readonly windows = new Map<string, number>();
  /** Earliest time a paused subscription (open circuit, empty rate bucket) may send again. */
  resumeAt: number | null = null;

  constructor(private readonly limits: { concurrency: number; perSubscriptionConcurrency: number }) {}

  /** Global slots not held by an attempt. */
  get free(): number {
    return this.limits.concurrency - this.total;
  }

  /** How many deliveries each subscription with free capacity may have claimed this turn. */
  plan(subs: readonly Subscription[], now: number): Wanted[] {
    this.resumeAt = null;
    if (subs.length === 0) return [];
    // Start with a different subscription each time so none is always served last.
    this.rotation = (this.rotation + 1) % subs.length;
    const wanted: Wanted[] = [];
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[(this.rotation + i) % subs.length]!;
      const limit = this.allowed(sub, now);
      if (limit > 0) wanted.push({ sub, limit });
    }
    return wanted;
  }

  /** Claimed deliveries take their tokens from their subscription's rate bucket. */
  took(perSubscription: ReadonlyMap<string, number>, now: number): void {
    for (const [id, n] of perSubscription) this.buckets.get(id)?.take(n, now);
  }

  /**
   * Takes a slot for one attempt. The returned function frees it: true the first time, false after.
   * The slot is the HTTP request in flight: free once the response is in, before the outcome is
   * recorded, so the turn that records it can already fill the slot again.
   */
  hold(subscriptionId: string): () => boolean {
    this.inflight.set(subscriptionId, (this.inflight.get(subscriptionId) ?? 0) + 1);
    this.total++;
    let held = true;
    return () => {
      if (!held) return false;
      held = false;
      this.inflight.set(subscriptionId, (this.inflight.get(subscriptionId) ?? 1) - 1);
      this.total--;
      return true;
    };
  }

  /** The endpoint answered an attempt: its slow-start window doubles on success, is back to one on any failure. */
  answered(subscriptionId: string, ok: boolean): void {
    this.windows.set(subscriptionId, ok ? Math.min(2 * (this.windows.get(subscriptionId) ?? 1), MAX_WINDOW) : 1);
  }

  /** How many attempts this subscription may start now: its concurrency (and slow-start window), rate and circuit allow. */
  private allowed(sub: Subscription, now: number): number {
    const resume = (at: number) => (this.resumeAt = Math.min(this.resumeAt ?? Infinity, at));
    const inflight = this.inflight.get(sub.id) ?? 0;
    let limit = Math.min(sub.maxConcurrency ?? this.limits.perSubscriptionConcurrency, this.windows.get(sub.id) ?? 1);
    if (sub.circuitOpenUntil !== null) {
      // Open: a failing endpoint costs nothing until the pause ends; then one probe at a time.
      if (sub.circuitOpenUntil > now) {
        resume(sub.circuitOpenUntil);
        return 0;
      }
      limit = 1;
    }
    let free = Math.min(limit - inflight, this.free);
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
}
