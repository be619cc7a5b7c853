// Store contract: the dashboard's delivery figures (DeliveryStatsOps), from attempts recorded the
// way the delivery worker records them (DeliveryOps.turn): per minute for the chart, and per
// subscription over a window and a recent part of it for the health columns.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { backends } from '../helpers/store-backends.js';
import { outcome, turnOf } from './deliveries-kit.js';
import { event, page, subscription, NOW_ISO } from './data.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A whole minute, so the buckets below are easy to read. */
const M0 = Math.floor(Date.parse(NOW_ISO) / MINUTE) * MINUTE;

interface Attempt {
  startedAt: number;
  /** null: no answer (a timeout or a refused connection), a failure. */
  statusCode: number | null;
}

let leads = 0;
/** One recorded attempt per entry, each of its own delivery to `subscriptionId` (source `src-<id>`). */
async function attempts(store: Store, subscriptionId: string, list: readonly Attempt[]): Promise<void> {
  const source = `src-${subscriptionId}`;
  await store.sources.register([{ id: source, vendor: 'apten' }], M0);
  if (!(await store.subscriptions.get(subscriptionId))) await store.subscriptions.insertWithinLimit(subscription(subscriptionId, { sources: [source] }), 100);
  const outbox = list.map(() => event(source, `lead-${++leads}`));
  await store.snapshot.applyPage(source, page([], { outbox }), NOW_ISO, null);
  const claimed = (await store.deliveries.turn(turnOf({ now: M0, fanOutLimit: 1000, claims: [{ subscriptionId, limit: 1000 }] }))).claimed;
  expect(claimed).toHaveLength(list.length);
  const records = claimed.map((c, i) => {
    const a = list[i]!;
    const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
    return outcome(c, ok ? 'succeeded' : 'failed', a.startedAt + 5, { startedAt: a.startedAt, statusCode: a.statusCode });
  });
  const r = await store.deliveries.turn(turnOf({ now: M0 + HOUR, records }));
  expect(r.recorded.every((x) => x === true)).toBe(true);
}

describe.each(backends)('delivery stats ($name)', (backend) => {
  it('counts attempts per minute of their start in [since, until): 2xx succeeded, anything else (no answer too) failed', async () => {
    const store = await backend.open();
    await attempts(store, 's1', [
      { startedAt: M0 - 1, statusCode: 200 }, // before `since`
      { startedAt: M0, statusCode: 204 },
      { startedAt: M0 + 59_999, statusCode: 500 },
      { startedAt: M0 + 2 * MINUTE + 1, statusCode: null },
      { startedAt: M0 + 3 * MINUTE, statusCode: 200 }, // at `until`
    ]);
    await attempts(store, 's2', [
      { startedAt: M0 + 2 * MINUTE + 30_000, statusCode: 201 },
      { startedAt: M0 + 2 * MINUTE + 40_000, statusCode: 301 },
    ]);
    expect(await store.deliveryStats.perMinute(M0, M0 + 3 * MINUTE)).toEqual([
      { minute: M0, succeeded: 1, failed: 1 },
      { minute: M0 + 2 * MINUTE, succeeded: 1, failed: 2 },
    ]);
    expect(await store.deliveryStats.perMinute(M0 + 10 * MINUTE, M0 + 20 * MINUTE)).toEqual([]);
  });

  it('gives each subscription asked for its attempts and successes since a time and since a later one; zeros for none', async () => {
    const store = await backend.open();
    const now = M0 + 24 * HOUR;
    await attempts(store, 'busy', [
      { startedAt: now - 25 * HOUR, statusCode: 200 }, // older than the day
      { startedAt: now - 10 * HOUR, statusCode: 200 },
      { startedAt: now - 10 * HOUR, statusCode: 503 },
      { startedAt: now - 5 * HOUR, statusCode: null },
      { startedAt: now - 30 * MINUTE, statusCode: 200 },
      { startedAt: now - 20 * MINUTE, statusCode: 410 },
    ]);
    await attempts(store, 'quiet', [{ startedAt: now - 2 * HOUR, statusCode: 200 }]);
    await attempts(store, 'other', [{ startedAt: now - MINUTE, statusCode: 500 }]);
    const stats = await store.deliveryStats.subscriptionHealth(['busy', 'quiet', 'unknown'], now - 24 * HOUR, now - HOUR, now);
    expect(stats).toEqual([
      { subscriptionId: 'busy', attempts: 5, succeeded: 2, recentAttempts: 2, recentSucceeded: 1 },
      { subscriptionId: 'quiet', attempts: 1, succeeded: 1, recentAttempts: 0, recentSucceeded: 0 },
      { subscriptionId: 'unknown', attempts: 0, succeeded: 0, recentAttempts: 0, recentSucceeded: 0 },
    ]);
    expect(await store.deliveryStats.subscriptionHealth([], now - 24 * HOUR, now - HOUR, now)).toEqual([]);
  });

  it('counts a settled hour once and keeps it; the current hour and the window\'s edges are counted live', async () => {
    const store = await backend.open();
    const now = Math.floor(M0 / HOUR) * HOUR + 24 * HOUR + 45 * MINUTE;
    await attempts(store, 'c', [
      { startedAt: now - 5 * HOUR, statusCode: 200 },
      { startedAt: now - 23 * HOUR - 50 * MINUTE, statusCode: 200 }, // the window's first, partial hour
      { startedAt: now - 30 * MINUTE, statusCode: 500 },
    ]);
    const health = (at: number) => store.deliveryStats.subscriptionHealth(['c'], at - 24 * HOUR, at - HOUR, at);
    const first = { subscriptionId: 'c', attempts: 3, succeeded: 2, recentAttempts: 1, recentSucceeded: 0 };
    expect(await health(now)).toEqual([first]);
    expect(await health(now)).toEqual([first]); // now from the kept hours
    // An attempt recorded late into a counted hour is not added; one in the current hour is.
    await attempts(store, 'c', [
      { startedAt: now - 5 * HOUR, statusCode: 200 },
      { startedAt: now - 10 * MINUTE, statusCode: 200 },
    ]);
    expect(await health(now)).toEqual([{ ...first, attempts: 4, succeeded: 3, recentAttempts: 2, recentSucceeded: 1 }]);
    // Two hours on, the hour of the last two has settled and is kept; the partial first hour left the window.
    expect(await health(now + 2 * HOUR)).toEqual([{ subscriptionId: 'c', attempts: 3, succeeded: 2, recentAttempts: 0, recentSucceeded: 0 }]);
    expect(await health(now + 2 * HOUR)).toEqual([{ subscriptionId: 'c', attempts: 3, succeeded: 2, recentAttempts: 0, recentSucceeded: 0 }]);
  });

  it('forgets the attempts of a deleted subscription and of deliveries retention removed', async () => {
    const store = await backend.open();
    await attempts(store, 'gone', [{ startedAt: M0, statusCode: 200 }]);
    await attempts(store, 'kept', [{ startedAt: M0 + 1, statusCode: 500 }]);
    expect(await store.subscriptions.delete('gone')).toBe(true);
    expect(await store.deliveryStats.perMinute(M0, M0 + MINUTE)).toEqual([{ minute: M0, succeeded: 0, failed: 1 }]);
    expect(await store.retention.deleteFinishedDeliveries(M0 + 2 * HOUR, 100)).toBe(1);
    expect(await store.deliveryStats.perMinute(M0, M0 + MINUTE)).toEqual([]);
    expect(await store.deliveryStats.subscriptionHealth(['kept'], 0, 0, M0 + 2 * HOUR)).toEqual([
      { subscriptionId: 'kept', attempts: 0, succeeded: 0, recentAttempts: 0, recentSucceeded: 0 },
    ]);
  });
});
