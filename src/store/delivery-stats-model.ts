// What both backends' DeliveryStatsOps share: the rows of the two windows (all, recent) folded into
// one entry per subscription asked for.
import type { SubscriptionAttemptStats } from './types.js';

/** One entry per id asked for, in that order, from the rows of both windows. */
export function collectWindows(ids: readonly string[], rows: ReadonlyArray<{ w: 'all' | 'recent'; subscription_id: string; attempts: number; succeeded: number }>): SubscriptionAttemptStats[] {
  const out = new Map(ids.map((id) => [id, { subscriptionId: id, attempts: 0, succeeded: 0, recentAttempts: 0, recentSucceeded: 0 }]));
  for (const r of rows) {
    const s = out.get(r.subscription_id);
    if (!s) continue;
    if (r.w === 'all') {
      s.attempts = Number(r.attempts);
      s.succeeded = Number(r.succeeded);
    } else {
      s.recentAttempts = Number(r.attempts);
      s.recentSucceeded = Number(r.succeeded);
    }
  }
  return [...out.values()];
}
