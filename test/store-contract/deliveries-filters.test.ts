// The delivery queue's contract for content filters, run unchanged over every backend: fan-out asks
// the caller's match with the event's body at hand, creates no delivery for what a filter keeps
// back, and counts that per subscription in the same transaction (once, even with replicas racing).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/model.js';
import type { FanOutEvent, Subscription } from '../../src/store/types.js';
import { fanOutMatcher } from '../../src/delivery/match.js';
import { FilterCache } from '../../src/filters/index.js';
import { backends, newId, stopBackendsAfterAll, T0, turnOf, type DeliveryFixture } from './deliveries-kit.js';

stopBackendsAfterAll();

/** A lead.updated whose status went from `from` to `to` (or a lead.created with status `to`). */
function statusEvent(leadId: string, to: string, from: string | null): OutboxEvent {
  const type = from === null ? 'lead.created' : 'lead.updated';
  const lead = { id: leadId, status: to, owner: { id: 'u1', name: null } };
  const data = from === null ? { source: 'src', vendor: 'apten', lead } : { source: 'src', vendor: 'apten', lead, previous: { ...lead, status: from }, changes: ['status'] };
  return {
    id: newId('evt'),
    type,
    sourceId: 'src',
    leadId,
    createdAt: new Date(T0).toISOString(),
    body: { type, timestamp: new Date(T0).toISOString(), data } as unknown as OutboxEvent['body'],
  };
}

describe.each(backends)('delivery queue: content filters ($name)', (backend) => {
  let f: DeliveryFixture;
  beforeEach(async () => {
    f = await backend.open();
  });
  afterEach(async () => {
    await f.close();
  });

  const eventIds = async (sub: string) => (await f.deliveries.listForSubscription(sub, { limit: 1000 })).map((d) => d.eventId).sort();

  it('creates deliveries only where the filter matches, and counts what it kept back', async () => {
    await f.addSubscription({ id: 'all' });
    await f.addSubscription({ id: 'won', filter: { 'data.lead.status': { $to: 'won' } } });
    await f.addSubscription({ id: 'nothing', filter: { 'data.lead.status': 'no such status' } });
    await f.addSubscription({ id: 'created-won', events: ['lead.created'], filter: { 'data.lead.status': 'won' } });
    const e1 = statusEvent('L1', 'new', null);
    const e2 = statusEvent('L1', 'won', 'new');
    const e3 = statusEvent('L2', 'lost', 'new');
    const e4 = statusEvent('L3', 'won', null);
    await f.appendEvents([e1, e2, e3, e4]);

    const r = await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10, match: fanOutMatcher(new FilterCache()) }));
    expect(r.fannedOut).toBe(4);
    expect(await eventIds('all')).toEqual([e1.id, e2.id, e3.id, e4.id].sort());
    expect(await eventIds('won')).toEqual([e2.id]);
    expect(await eventIds('nothing')).toEqual([]);
    expect(await eventIds('created-won')).toEqual([e4.id]);
    // 'created-won' does not count the lead.updated events: its events never selected them.
    const byTurn = Object.fromEntries((r.filtered ?? []).map((x) => [x.subscriptionId, x.count]));
    expect(byTurn).toEqual({ won: 3, nothing: 4, 'created-won': 1 });
    expect(Object.fromEntries(await f.filteredCounts())).toEqual({ won: 3, nothing: 4, 'created-won': 1 });

    // Counts add up over turns.
    await f.appendEvents([statusEvent('L4', 'new', 'old')]);
    await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10, match: fanOutMatcher(new FilterCache()) }));
    expect(Object.fromEntries(await f.filteredCounts())).toEqual({ won: 4, nothing: 5, 'created-won': 1 });
    expect(await f.deliveries.pendingCount()).toBe(7);
  });

  it('hands match the parsed body, read only when asked for', async () => {
    await f.addSubscription({ id: 'plain' });
    const sent = statusEvent('L1', 'won', 'new');
    await f.appendEvents([sent]);
    const seen: unknown[] = [];
    const r = await f.deliveries.turn(
      turnOf({
        now: T0,
        fanOutLimit: 10,
        match: (e: FanOutEvent, _s: Subscription) => {
          seen.push(e.payload());
          return 'deliver';
        },
      }),
    );
    expect(r.fannedOut).toBe(1);
    // A backend may leave bodies out when no subscription has a filter; when it gives one, it is the body.
    expect(seen.length).toBe(1);
    if (seen[0] !== undefined) expect(seen[0]).toEqual(JSON.parse(JSON.stringify(sent.body)));

    await f.addSubscription({ id: 'filtered', filter: { 'data.lead.status': 'won' } });
    const second = statusEvent('L2', 'won', 'new');
    await f.appendEvents([second]);
    const bodies: unknown[] = [];
    await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10, match: (e) => (bodies.push(e.payload()), 'deliver') }));
    expect(bodies).toEqual([JSON.parse(JSON.stringify(second.body)), JSON.parse(JSON.stringify(second.body))]);
  });

  it.runIf(backend.concurrent)('replicas fanning out at once count each kept-back event once', async () => {
    await f.addSubscription({ id: 'won', filter: { 'data.lead.status': { $to: 'won' } } });
    const events = Array.from({ length: 60 }, (_v, i) => statusEvent(`L${i}`, i % 3 === 0 ? 'won' : 'lost', 'new'));
    await f.appendEvents(events);
    const replicas = [f.deliveries, f.replica(), f.replica()];
    let taken = 0;
    for (let round = 0; round < 20 && taken < 60; round++) {
      const results = await Promise.all(replicas.map((ops) => ops.turn(turnOf({ now: T0, fanOutLimit: 7, match: fanOutMatcher(new FilterCache()) }))));
      taken += results.reduce((n, r) => n + r.fannedOut, 0);
    }
    expect(taken).toBe(60);
    expect((await eventIds('won')).length).toBe(20);
    expect((await f.filteredCounts()).get('won')).toBe(40);
  });
});
