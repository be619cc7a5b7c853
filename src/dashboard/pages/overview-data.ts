// What the overview shows, read for one page load: the sources as GET /v1/sources lists them, every
// subscription with its health figures, and the attempts of the last hour per minute. The figures
// come from their own indexed queries (store DeliveryStatsOps), never counted inside a list query.
import type { RelayControl } from '../../api/control.js';
import { listSources, type SourceListing } from '../../api/source-actions.js';
import { presentUrl } from '../../api/present.js';
import type { MinuteStats, Subscription } from '../../store/index.js';
import { minuteBuckets } from '../chart.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bars in the chart: one per minute of the last hour. */
export const CHART_MINUTES = 60;

export interface SubscriptionHealthRow {
  id: string;
  description: string | null;
  /** host[:port] of the URL (credentials never), or the URL as stored when it is not one. */
  host: string;
  origin: Subscription['origin'];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: number | null;
  consecutiveFailures: number;
  circuit: 'closed' | 'open' | 'half-open';
  circuitOpenUntil: number | null;
  hour: { attempts: number; succeeded: number };
  day: { attempts: number; succeeded: number };
  pending: number;
  oldestPendingAt: number | null;
}

export interface Overview {
  now: number;
  sources: SourceListing[];
  subscriptions: SubscriptionHealthRow[];
  chart: MinuteStats[];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return presentUrl(url);
  }
}

export async function loadOverview(relay: RelayControl): Promise<Overview> {
  const { store } = relay;
  const now = relay.clock.now();
  const chartStart = Math.floor(now / MINUTE) * MINUTE - (CHART_MINUTES - 1) * MINUTE;
  const [sources, subscriptions, queue, perMinute] = await Promise.all([
    listSources(relay),
    store.subscriptions.list(),
    store.deliveries.queueBySubscription(),
    store.deliveryStats.perMinute(chartStart, now + 1),
  ]);
  const stats = new Map((await store.deliveryStats.subscriptionHealth(subscriptions.map((s) => s.id), now - DAY, now - HOUR, now)).map((s) => [s.subscriptionId, s]));
  const pending = new Map(queue.map((q) => [q.subscriptionId, q]));
  return {
    now,
    sources,
    subscriptions: subscriptions.map((s) => {
      const st = stats.get(s.id);
      const q = pending.get(s.id);
      return {
        id: s.id,
        description: s.description,
        host: hostOf(s.url),
        origin: s.origin,
        enabled: s.enabled,
        disabledReason: s.disabledReason,
        failingSince: s.failingSince,
        consecutiveFailures: s.consecutiveFailures,
        circuit: s.circuitOpenUntil === null ? 'closed' : s.circuitOpenUntil > now ? 'open' : 'half-open',
        circuitOpenUntil: s.circuitOpenUntil,
        hour: { attempts: st?.recentAttempts ?? 0, succeeded: st?.recentSucceeded ?? 0 },
        day: { attempts: st?.attempts ?? 0, succeeded: st?.succeeded ?? 0 },
        pending: q?.pending ?? 0,
        oldestPendingAt: q?.oldestCreatedAt ?? null,
      };
    }),
    chart: minuteBuckets(perMinute, now, CHART_MINUTES),
  };
}
