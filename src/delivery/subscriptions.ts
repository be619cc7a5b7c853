// The enabled subscriptions as the delivery loop sees them: read once and kept until something changes.
import type { Store, Subscription } from '../store/index.js';
import type { FilterCache } from '../filters/index.js';
import type { FinishedAttempt } from './recorder.js';

/**
 * How long the loop may use its copy of the enabled subscriptions. It is dropped at once by notify()
 * (every API change calls it) and by any outcome that changes an endpoint's health; the age limit
 * is a safety net. Measured: listing them cost ~0.2 ms per turn of the loop, a turn per few attempts.
 */
const SUBSCRIPTIONS_MAX_AGE_MS = 1000;

export class EnabledSubscriptions {
  private cached: { list: Subscription[]; byId: Map<string, Subscription>; readAt: number } | null = null;

  constructor(
    private readonly store: Store,
    private readonly filters: FilterCache,
  ) {}

  async list(now: number): Promise<Subscription[]> {
    const cached = this.cached;
    if (cached && now - cached.readAt < SUBSCRIPTIONS_MAX_AGE_MS && now >= cached.readAt) return cached.list;
    const all = await this.store.subscriptions.list();
    const list = all.filter((s) => s.enabled);
    this.cached = { list, byId: new Map(list.map((s) => [s.id, s])), readAt: now };
    this.filters.retain(new Set(all.map((s) => s.id)));
    return list;
  }

  forget(): void {
    this.cached = null;
  }

  /**
   * The copy is stale when a recorded outcome changed an endpoint's health (or the delivery was
   * gone): anything but a success on an endpoint that was healthy, as launched and as cached.
   */
  forgetIfChanged(done: readonly FinishedAttempt[], results: ReadonlyArray<boolean | Error>): void {
    const cached = this.cached;
    if (!cached) return;
    done.forEach((d, i) => {
      const current = cached.byId.get(d.request.subscriptionId);
      const unchanged =
        results[i] === true && d.request.attempt.outcome === 'succeeded' && d.subscriptionWasHealthy && (!current || isHealthy(current));
      if (!unchanged) this.cached = null;
    });
  }
}

export function isHealthy(sub: Subscription): boolean {
  return sub.consecutiveFailures === 0 && sub.failingSince === null && sub.circuitOpenUntil === null;
}
