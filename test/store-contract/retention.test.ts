// Store contract: retention (RetentionOps). Finished deliveries older than the cutoff go in bounded
// batches; events go only once fanned out and referenced by no delivery, walked from a start point.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { backends } from '../helpers/store-backends.js';
import { event, page, subscription, NOW_ISO } from './data.js';

const T0 = Date.parse(NOW_ISO);
const at = (day: number) => new Date(Date.UTC(2026, 0, day)).toISOString();

describe.each(backends)('retention ($name)', (backend) => {
  /** Six events on days 1..6, one per commit; returns their seqs oldest first. */
  async function seed(store: Store): Promise<number[]> {
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    for (let day = 1; day <= 6; day++) await store.snapshot.applyPage('a', page([], { outbox: [event('a', String(day), 'lead.created', at(day))] }), NOW_ISO, null);
    return (await store.events.list({ limit: 10 })).map((e) => e.seq).reverse();
  }

  it('keeps events fan-out has not passed yet, however old', async () => {
    const store = await backend.open();
    await seed(store);
    expect(await store.retention.deleteUnreferencedEvents(at(30), at(0), 100)).toEqual({ deleted: 0, nextFromIso: at(0) });
    expect(await store.events.list({ limit: 10 })).toHaveLength(6);
  });

  it('deletes fanned-out, unreferenced events in [from, cutoff), in batches, saying where to go on', async () => {
    const store = await backend.open();
    const seqs = await seed(store);
    await backend.fixtures.fanOutAll(store);
    await store.subscriptions.insertWithinLimit(subscription('s'), 10);
    // Day 2's event still has a delivery (pending), day 3's a finished one within retention.
    await backend.fixtures.addDelivery(store, { id: 'dlv_2', subscriptionId: 's', seq: seqs[1]!, completedAt: null });
    await backend.fixtures.addDelivery(store, { id: 'dlv_3', subscriptionId: 's', seq: seqs[2]!, completedAt: T0 });
    const first = await store.retention.deleteUnreferencedEvents(at(6), at(0), 2);
    expect(first).toEqual({ deleted: 2, nextFromIso: at(4) });
    const second = await store.retention.deleteUnreferencedEvents(at(6), first.nextFromIso, 2);
    expect(second).toEqual({ deleted: 1, nextFromIso: at(5) });
    expect(await store.retention.deleteUnreferencedEvents(at(6), second.nextFromIso, 2)).toEqual({ deleted: 0, nextFromIso: at(5) });
    // Left: the two with deliveries and day 6's (not before the cutoff).
    expect((await store.events.list({ limit: 10 })).map((e) => e.createdAt).sort()).toEqual([at(2), at(3), at(6)]);
  });

  it('deletes finished deliveries completed before the cutoff, at most `limit` per call, never pending ones', async () => {
    const store = await backend.open();
    const seqs = await seed(store);
    await store.subscriptions.insertWithinLimit(subscription('s'), 10);
    await backend.fixtures.addDelivery(store, { id: 'dlv_old1', subscriptionId: 's', seq: seqs[0]!, completedAt: T0 - 3000 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_old2', subscriptionId: 's', seq: seqs[1]!, completedAt: T0 - 2000 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_new', subscriptionId: 's', seq: seqs[2]!, completedAt: T0 });
    await backend.fixtures.addDelivery(store, { id: 'dlv_pending', subscriptionId: 's', seq: seqs[3]!, completedAt: null });
    expect(await store.retention.deleteFinishedDeliveries(T0, 1)).toBe(1);
    expect(await store.retention.deleteFinishedDeliveries(T0, 10)).toBe(1);
    expect(await store.retention.deleteFinishedDeliveries(T0, 10)).toBe(0);
    // Their events are now unreferenced; the other two are still needed.
    await backend.fixtures.fanOutAll(store);
    expect((await store.retention.deleteUnreferencedEvents(at(5), at(0), 100)).deleted).toBe(2);
  });
});
