// Queuing already detected events again for one subscription (same webhook-ids: receivers de-duplicate).
import type { RelayControl } from '../control.js';
import type { Subscription } from '../../store/index.js';
import { subscriptionWants } from '../../delivery/match.js';
import { newId } from '../../util/ids.js';
import { ApiError } from '../errors.js';

/** Largest replay one request may queue: bigger ranges are split by the operator. */
export const MAX_REPLAY_EVENTS = 100_000;

export interface ReplayResult {
  /** Events in the range that this subscription's filters select. */
  matched: number;
  /** Newly queued; the rest were already pending for it. */
  queued: number;
}

export function replayRange(relay: RelayControl, sub: Subscription, sinceMs: number, untilMs: number): ReplayResult {
  const events = relay.store.outbox.createdBetween(new Date(sinceMs).toISOString(), new Date(untilMs).toISOString(), MAX_REPLAY_EVENTS + 1);
  if (events.length > MAX_REPLAY_EVENTS) {
    throw new ApiError(400, 'range_too_large', `more than ${MAX_REPLAY_EVENTS} events in that range; replay a shorter one`, [
      { field: 'until', message: `the range holds more than ${MAX_REPLAY_EVENTS} events` },
    ]);
  }
  const wanted = events.filter((e) => subscriptionWants(sub, e));
  const now = relay.clock.now();
  const queued = relay.store.deliveries.requeue(sub.id, wanted, () => newId('dlv', now), now);
  relay.deliveryChanged();
  return { matched: wanted.length, queued };
}

/** On re-enable: what was detected while the subscription was disabled. */
export function replayMissed(relay: RelayControl, sub: Subscription, disabledAt: number): ReplayResult {
  return replayRange(relay, sub, disabledAt, relay.clock.now() + 1);
}
