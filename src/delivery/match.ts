// Which subscriptions want an event: type patterns ("*", "lead.*", exact), source filters, and the
// subscription's content filter (src/delivery/filter), compiled once per change of it.
import type { FanOutDecision, FanOutEvent, Subscription } from '../store/index.js';
import type { FilterCache } from '../filters/index.js';

export function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

export function subscriptionWants(sub: Pick<Subscription, 'events' | 'sources'>, event: { type: string; sourceId: string }): boolean {
  if (!typeMatches(sub.events, event.type)) return false;
  return sub.sources === null || sub.sources.includes(event.sourceId);
}

/**
 * Fan-out's match: events and sources first (no body needed), then the content filter on the
 * parsed body. 'filtered' is a wanted event the filter kept back (counted per subscription).
 */
export function fanOutMatcher(filters: FilterCache): (event: FanOutEvent, sub: Subscription) => FanOutDecision {
  return (event, sub) => {
    if (!subscriptionWants(sub, event)) return 'skip';
    const test = filters.get(sub);
    if (test === null) return 'deliver';
    return test(event.payload()) ? 'deliver' : 'filtered';
  };
}

/** The same decision for one event whose body is at hand (replay, the filter test route). */
export function wantsEvent(filters: FilterCache, sub: Subscription, event: { type: string; sourceId: string; body: string }): FanOutDecision {
  if (!subscriptionWants(sub, event)) return 'skip';
  const test = filters.get(sub);
  if (test === null) return 'deliver';
  return test(JSON.parse(event.body)) ? 'deliver' : 'filtered';
}
