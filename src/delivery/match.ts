// Which subscriptions want an event: type patterns ("*", "lead.*", exact) and source filters.
import type { Subscription } from '../store/index.js';

export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

export function subscriptionWants(sub: Pick<Subscription, 'events' | 'sources'>, event: { type: string; sourceId: string }): boolean {
  if (!typeMatches(sub.events, event.type)) return false;
  return sub.sources === null || sub.sources.includes(event.sourceId);
}
