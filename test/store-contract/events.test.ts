// Store contract: the event log (EventOps). Filters, newest-first paging by seq, counts of a
// created_at range up to a limit, and bodiless heads of a range oldest first, pings left out.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import type { OutboxEvent } from '../../src/model.js';
import { backends } from '../helpers/store-backends.js';
import { event, page, subscription, NOW_ISO } from './data.js';

const T0 = Date.parse(NOW_ISO);
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** Writes events through pages (one page per event, so each is its own commit); returns them in seq order. */
async function seed(store: Store): Promise<OutboxEvent[]> {
  await store.sources.register([{ id: 'a', vendor: 'apten' }, { id: 'b', vendor: 'apten' }], T0);
  const list = [
    event('a', '1', 'lead.created', at(0)),
    event('b', '1', 'lead.created', at(1)),
    event('a', '2', 'lead.created', at(2)),
    event('a', '1', 'lead.updated', at(3)),
    event('b', '2', 'event.added', at(3)),
    event('a', '1', 'lead.deleted', at(5)),
  ];
  for (const e of list) await store.snapshot.applyPage(e.sourceId, page([], { outbox: [e] }), NOW_ISO, null);
  return list;
}

describe.each(backends)('events ($name)', (backend) => {
  it('lists newest first with every field, and pages with beforeSeq', async () => {
    const store = await backend.open();
    const seeded = await seed(store);
    const all = await store.events.list({ limit: 100 });
    expect(all.map((e) => e.id)).toEqual(seeded.map((e) => e.id).reverse());
    const e0 = all.at(-1)!;
    expect(e0).toEqual({ seq: e0.seq, id: seeded[0]!.id, type: 'lead.created', sourceId: 'a', leadId: '1', createdAt: at(0), body: JSON.stringify(seeded[0]!.body) });
    const first = await store.events.list({ limit: 4 });
    const second = await store.events.list({ limit: 4, beforeSeq: first.at(-1)!.seq });
    expect([...first, ...second].map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('reads one event by id, and the bodies of several by seq', async () => {
    const store = await backend.open();
    const seeded = await seed(store);
    const all = await store.events.list({ limit: 100 });
    const third = all.find((e) => e.id === seeded[2]!.id)!;
    expect(await store.events.get(seeded[2]!.id)).toEqual(third);
    expect(await store.events.get('evt_unknown')).toBeUndefined();
    const bodies = await store.events.bodies([all[0]!.seq, third.seq, 999_999]);
    expect(bodies).toEqual(new Map([[all[0]!.seq, all[0]!.body], [third.seq, JSON.stringify(seeded[2]!.body)]]));
    expect(await store.events.bodies([])).toEqual(new Map());
  });

  it('filters by types, source, lead (in one source or all), and a created_at range', async () => {
    const store = await backend.open();
    const s = await seed(store);
    const ids = async (f: Parameters<Store['events']['list']>[0]) => (await store.events.list(f)).map((e) => e.id);
    expect(await ids({ types: ['lead.updated', 'event.added'], limit: 10 })).toEqual([s[4]!.id, s[3]!.id]);
    expect(await ids({ sourceId: 'b', limit: 10 })).toEqual([s[4]!.id, s[1]!.id]);
    expect(await ids({ leadId: '1', limit: 10 })).toEqual([s[5]!.id, s[3]!.id, s[1]!.id, s[0]!.id]);
    expect(await ids({ sourceId: 'a', leadId: '1', limit: 10 })).toEqual([s[5]!.id, s[3]!.id, s[0]!.id]);
    expect(await ids({ since: at(1), until: at(5), limit: 10 })).toEqual([s[4]!.id, s[3]!.id, s[2]!.id, s[1]!.id]);
    expect(await ids({ sourceId: 'a', since: at(2), limit: 10 })).toEqual([s[5]!.id, s[3]!.id, s[2]!.id]);
    expect(await ids({ sourceId: 'a', leadId: '1', types: ['lead.created', 'lead.deleted'], until: at(5), limit: 10 })).toEqual([s[0]!.id]);
    expect(await ids({ leadId: '1', limit: 2, beforeSeq: (await store.events.list({ leadId: '1', limit: 2 })).at(-1)!.seq })).toEqual([s[1]!.id, s[0]!.id]);
    expect(await ids({ types: ['ping'], limit: 10 })).toEqual([]);
  });

  it('pages newer with afterSeq: the oldest `limit` after it, newest first, with every filter', async () => {
    const store = await backend.open();
    const s = await seed(store);
    const all = await store.events.list({ limit: 100 });
    const seqOf = (i: number) => all.find((e) => e.id === s[i]!.id)!.seq;
    const ids = async (f: Parameters<Store['events']['list']>[0]) => (await store.events.list(f)).map((e) => e.id);
    expect(await ids({ afterSeq: seqOf(1), limit: 2 })).toEqual([s[3]!.id, s[2]!.id]);
    expect(await ids({ afterSeq: seqOf(1), limit: 100 })).toEqual([s[5]!.id, s[4]!.id, s[3]!.id, s[2]!.id]);
    expect(await ids({ afterSeq: seqOf(0), sourceId: 'a', limit: 1 })).toEqual([s[2]!.id]);
    expect(await ids({ afterSeq: seqOf(0), types: ['lead.created'], limit: 5 })).toEqual([s[2]!.id, s[1]!.id]);
    expect(await ids({ afterSeq: seqOf(0), sourceId: 'a', types: ['lead.updated'], limit: 5 })).toEqual([s[3]!.id]);
    expect(await ids({ afterSeq: seqOf(0), leadId: '1', limit: 2 })).toEqual([s[3]!.id, s[1]!.id]);
    expect(await ids({ afterSeq: seqOf(0), since: at(3), limit: 2 })).toEqual([s[4]!.id, s[3]!.id]);
    expect(await ids({ afterSeq: seqOf(5), limit: 10 })).toEqual([]);
    // A page both ways at once (never asked by the dashboard) is the range between.
    expect(await ids({ afterSeq: seqOf(1), beforeSeq: seqOf(4), limit: 10 })).toEqual([s[3]!.id, s[2]!.id]);
  });

  it('filters by one type, and by source and one type, at any page', async () => {
    const store = await backend.open();
    const s = await seed(store);
    const ids = async (f: Parameters<Store['events']['list']>[0]) => (await store.events.list(f)).map((e) => e.id);
    expect(await ids({ types: ['lead.created'], limit: 10 })).toEqual([s[2]!.id, s[1]!.id, s[0]!.id]);
    const first = await store.events.list({ types: ['lead.created'], limit: 2 });
    expect(await ids({ types: ['lead.created'], limit: 2, beforeSeq: first.at(-1)!.seq })).toEqual([s[0]!.id]);
    expect(await ids({ sourceId: 'a', types: ['lead.created'], limit: 10 })).toEqual([s[2]!.id, s[0]!.id]);
    expect(await ids({ sourceId: 'b', types: ['lead.deleted'], limit: 10 })).toEqual([]);
    expect(await ids({ sourceId: 'a', limit: 2, beforeSeq: first[0]!.seq })).toEqual([s[0]!.id]);
  });

  it('counts the deliveries of a page of events by state', async () => {
    const store = await backend.open();
    const s = await seed(store);
    const all = await store.events.list({ limit: 100 });
    const seqOf = (i: number) => all.find((e) => e.id === s[i]!.id)!.seq;
    await backend.fixtures.fanOutAll(store);
    await store.subscriptions.insertWithinLimit(subscription('s1'), 10);
    await store.subscriptions.insertWithinLimit(subscription('s2'), 10);
    await backend.fixtures.addDelivery(store, { id: 'dlv_1', subscriptionId: 's1', seq: seqOf(0), completedAt: T0 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_2', subscriptionId: 's2', seq: seqOf(0), completedAt: null });
    await backend.fixtures.addDelivery(store, { id: 'dlv_3', subscriptionId: 's1', seq: seqOf(3), completedAt: T0 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_4', subscriptionId: 's2', seq: seqOf(3), completedAt: T0 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_5', subscriptionId: 's1', seq: seqOf(5), completedAt: T0 });
    const counts = await store.events.deliveryCounts([seqOf(0), seqOf(3), seqOf(4)]);
    const sorted = [...counts].sort((x, y) => x.eventSeq - y.eventSeq || x.status.localeCompare(y.status));
    expect(sorted).toEqual([
      { eventSeq: seqOf(0), status: 'pending', count: 1 },
      { eventSeq: seqOf(0), status: 'succeeded', count: 1 },
      { eventSeq: seqOf(3), status: 'succeeded', count: 2 },
    ]);
    expect(await store.events.deliveryCounts([])).toEqual([]);
  });

  it('counts events created in [since, until), up to a limit', async () => {
    const store = await backend.open();
    await seed(store);
    expect(await store.events.countCreatedBetween(at(0), at(3), 100)).toBe(3);
    expect(await store.events.countCreatedBetween(at(3), at(4), 100)).toBe(2);
    expect(await store.events.countCreatedBetween(at(0), at(60), 4)).toBe(4);
    expect(await store.events.countCreatedBetween(at(6), at(60), 100)).toBe(0);
  });

  it('gives heads of a range oldest first, after a position, ties broken by seq', async () => {
    const store = await backend.open();
    const s = await seed(store);
    const all = await store.events.headsCreatedBetween(at(0), at(60), null, 100);
    expect(all.map((h) => h.seq)).toEqual([...all.map((h) => h.seq)].sort((x, y) => x - y));
    expect(all[3]).toEqual({ seq: all[3]!.seq, type: 'lead.updated', sourceId: 'a', leadId: '1', createdAt: at(3) });
    // Batches of 2 walk the same heads; the tie at minute 3 is split across two batches.
    const walked: typeof all = [];
    let after: (typeof all)[number] | null = null;
    for (;;) {
      const batch = await store.events.headsCreatedBetween(at(0), at(60), after, 2);
      walked.push(...batch);
      if (batch.length < 2) break;
      after = batch.at(-1)!;
    }
    expect(walked).toEqual(all);
    expect((await store.events.headsCreatedBetween(at(2), at(5), null, 100)).map((h) => h.leadId + h.sourceId)).toEqual(['2a', '1a', '2b']);
    // An `after` before `since` starts at since.
    expect(await store.events.headsCreatedBetween(at(3), at(60), { createdAt: at(0), seq: 1 }, 100)).toEqual(all.slice(3));
    expect(s).toHaveLength(6);
  });
});
