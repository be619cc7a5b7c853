// Queuing already detected events again for one subscription (same webhook-ids: receivers de-duplicate).
import type { RelayControl } from '../control.js';
import type { EventHead, EventPosition, Subscription } from '../../store/index.js';
import { subscriptionWants } from '../../delivery/match.js';
import { FilterCache } from '../../filters/index.js';
import { newId } from '../../util/ids.js';
import { ApiError, notFound } from '../errors.js';

/** Largest replay one request may queue: bigger ranges are split by the operator. */
export const MAX_REPLAY_EVENTS = 100_000;

/**
 * Events read and queued per batch, each batch one transaction. Measured on 2 cores: ~2 ms to read
 * 500 heads, a few ms to queue them; the API, sync and delivery run between batches.
 */
const REPLAY_BATCH = 500;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface ReplayResult {
  /** Events in the range that this subscription's events, sources and content filter select. */
  matched: number;
  /** Events its events/sources selected but its content filter kept back (0 with ignoreFilter). */
  filtered: number;
  /** Newly queued; the rest were already pending for it. */
  queued: number;
}

/**
 * Queues the range in batches, answering when all of it is queued. Only event heads are read, and
 * the bodies of those its events/sources select when it has a content filter (applied unless
 * `ignoreFilter`): a 100,000-event range used to be loaded whole, bodies and all, and queued in
 * one synchronous call that held the process for its whole length.
 */
export async function replayRange(
  relay: RelayControl,
  sub: Subscription,
  sinceMs: number,
  untilMs: number,
  opts: { ignoreFilter?: boolean } = {},
): Promise<ReplayResult> {
  const { store } = relay;
  const since = new Date(sinceMs).toISOString();
  const until = new Date(untilMs).toISOString();
  // Counted up front so that a range too large queues nothing. Test pings count too (a handful at
  // most): the count then comes from the index alone.
  if ((await store.events.countCreatedBetween(since, until, MAX_REPLAY_EVENTS + 1)) > MAX_REPLAY_EVENTS) {
    throw new ApiError(400, 'range_too_large', `more than ${MAX_REPLAY_EVENTS} events in that range; replay a shorter one`, [
      { field: 'until', message: `the range holds more than ${MAX_REPLAY_EVENTS} events` },
    ]);
  }
  const now = relay.clock.now();
  const result: ReplayResult = { matched: 0, filtered: 0, queued: 0 };
  // Compiled once for the whole range; a stored filter that no longer parses matches nothing.
  const test = opts.ignoreFilter ? null : new FilterCache().get(sub);
  let after: EventPosition | null = null;
  for (;;) {
    const heads: Array<EventHead & EventPosition> = await store.events.headsCreatedBetween(since, until, after, REPLAY_BATCH);
    if (heads.length === 0) break;
    // Deleted while an earlier batch let others run: its deliveries went with it.
    if (!(await store.subscriptions.get(sub.id))) throw notFound('subscription', sub.id);
    let wanted = heads.filter((e) => subscriptionWants(sub, e));
    if (test && wanted.length) {
      const bodies = await store.events.bodies(wanted.map((e) => e.seq));
      const kept = wanted.filter((e) => {
        const body = bodies.get(e.seq);
        return body !== undefined && test(JSON.parse(body));
      });
      result.filtered += wanted.length - kept.length;
      wanted = kept;
    }
    result.matched += wanted.length;
    result.queued += await store.deliveries.requeue(sub.id, wanted, () => newId('dlv', now), now);
    if (wanted.length) relay.deliveryChanged(); // the worker may start on this batch already
    if (heads.length < REPLAY_BATCH) break;
    after = heads.at(-1)!;
    await yieldToEventLoop();
  }
  return result;
}

/** On re-enable: what was detected while the subscription was disabled. */
export function replayMissed(relay: RelayControl, sub: Subscription, disabledAt: number): Promise<ReplayResult> {
  return replayRange(relay, sub, disabledAt, relay.clock.now() + 1);
}
