// The delivery queue's contract (DeliveryOps in src/store/contract.ts), run unchanged over every
// backend: fan-out, claims and leases, per-lead order, outcomes and their fencing tokens, operator
// actions and views. Health rules: deliveries-health.test.ts; races between replicas: deliveries-races.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, claimFor, event, eventsOfLeads, fanOutAll, newId, outcome, record, stopBackendsAfterAll, T0, turnOf, type DeliveryFixture } from './deliveries-kit.js';

stopBackendsAfterAll();

describe.each(backends)('delivery queue ($name)', (backend) => {
  let f: DeliveryFixture;
  beforeEach(async () => {
    f = await backend.open();
  });
  afterEach(async () => {
    await f.close();
  });

  const eventIds = async (sub: string) => (await f.deliveries.listForSubscription(sub, { limit: 1000 })).map((d) => d.eventId).sort();

  describe('fan-out', () => {
    it('makes one delivery per matching enabled subscription, once per event', async () => {
      await f.addSubscription({ id: 'all' });
      await f.addSubscription({ id: 'created-only', events: ['lead.created'] });
      await f.addSubscription({ id: 'source-b', sources: ['b'] });
      await f.addSubscription({ id: 'off', enabled: false });
      const e1 = event('L1', { type: 'lead.created', sourceId: 'a' });
      const e2 = event('L1', { type: 'lead.updated', sourceId: 'a' });
      const e3 = event('L2', { type: 'lead.updated', sourceId: 'b' });
      await f.appendEvents([e1, e2, e3]);

      const first = await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10 }));
      expect(first.fannedOut).toBe(3);
      expect((await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10 }))).fannedOut).toBe(0);
      expect(await eventIds('all')).toEqual([e1.id, e2.id, e3.id].sort());
      expect(await eventIds('created-only')).toEqual([e1.id]);
      expect(await eventIds('source-b')).toEqual([e3.id]);
      expect(await eventIds('off')).toEqual([]);
      expect(await f.deliveries.pendingCount()).toBe(5);
    });

    it('takes at most fanOutLimit events a turn, oldest first', async () => {
      await f.addSubscription({ id: 's' });
      const events = eventsOfLeads(5);
      await f.appendEvents(events);
      const taken: number[] = [];
      for (let i = 0; i < 4; i++) taken.push((await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 2 }))).fannedOut);
      expect(taken).toEqual([2, 2, 1, 0]);
      // Delivery ids come from newDeliveryId in the order fan-out made them: oldest event first.
      const byId = (await f.deliveries.listForSubscription('s', { limit: 10 })).reverse();
      expect(byId.map((d) => d.eventId)).toEqual(events.map((e) => e.id));
    });

    it('a test ping goes to its one subscription and is never fanned out', async () => {
      await f.addSubscription({ id: 'target' });
      await f.addSubscription({ id: 'other' });
      const ping = { ...event('ping-lead', { type: 'ping' }) };
      await f.deliveries.insertPing('target', ping, newId('dlv'), T0);
      expect((await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10 }))).fannedOut).toBe(0);
      const claimed = (await f.deliveries.turn(turnOf({ now: T0, claims: [{ subscriptionId: 'target', limit: 5 }, { subscriptionId: 'other', limit: 5 }] }))).claimed;
      expect(claimed.map((c) => [c.subscriptionId, c.event.id, c.event.type])).toEqual([['target', ping.id, 'ping']]);
      expect(JSON.parse(claimed[0]!.event.body)).toEqual(ping.body);
    });

    it('claims in the same turn what it has just fanned out', async () => {
      await f.addSubscription({ id: 's' });
      await f.appendEvents(eventsOfLeads(3));
      const r = await f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10, claims: [{ subscriptionId: 's', limit: 10 }] }));
      expect(r.fannedOut).toBe(3);
      expect(r.claimed).toHaveLength(3);
    });
  });

  describe('claims and leases', () => {
    beforeEach(async () => {
      await f.addSubscription({ id: 's' });
    });

    it('leases due deliveries with attempts + 1; a lease that runs out is claimed again with a new token', async () => {
      await f.appendEvents(eventsOfLeads(2));
      await fanOutAll(f.deliveries);
      const first = await claimFor(f.deliveries, 's', 10, T0, T0 + 1_000);
      expect(first.map((c) => c.attempt)).toEqual([1, 1]);
      expect(await claimFor(f.deliveries, 's', 10, T0 + 999)).toEqual([]);
      // The lease ran out (its replica died): any claimer takes the delivery over.
      const again = await claimFor(f.deliveries, 's', 10, T0 + 1_000);
      expect(again.map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
      expect(again.map((c) => c.attempt)).toEqual([2, 2]);
      for (const c of again) expect(c.leaseToken).not.toBe(first.find((x) => x.id === c.id)!.leaseToken);
    });

    it('an outcome carrying a taken-over lease token writes nothing', async () => {
      await f.appendEvents(eventsOfLeads(1));
      await fanOutAll(f.deliveries);
      const [old] = await claimFor(f.deliveries, 's', 1, T0, T0 + 1_000);
      const [current] = await claimFor(f.deliveries, 's', 1, T0 + 1_000);
      const late = await record(f.deliveries, [outcome(old!, 'succeeded', T0 + 1_001)], T0 + 1_001);
      expect(late.recorded).toEqual([false]);
      let view = await f.deliveries.get(current!.id);
      expect(view).toMatchObject({ status: 'pending', attempts: 2, attemptLog: [] });
      expect((await record(f.deliveries, [outcome(current!, 'succeeded', T0 + 1_002)], T0 + 1_002)).recorded).toEqual([true]);
      view = await f.deliveries.get(current!.id);
      expect(view).toMatchObject({ status: 'succeeded', attempts: 2, completedAt: T0 + 1_002 });
      expect(view!.attemptLog.map((a) => a.attempt)).toEqual([2]);
    });

    it("sends one lead's deliveries one at a time, in event order, while other leads proceed", async () => {
      const [l1, l2, l3] = [event('L'), event('L'), event('L')];
      const m = event('M');
      await f.appendEvents([l1!, l2!, l3!, m]);
      await fanOutAll(f.deliveries);
      const first = await claimFor(f.deliveries, 's', 10, T0);
      expect(first.map((c) => c.event.id).sort()).toEqual([l1!.id, m.id].sort());
      const c1 = first.find((c) => c.event.id === l1!.id)!;
      // The outcome recorded in this turn is seen by its claim: the lead's next event is free.
      const next = await f.deliveries.turn(turnOf({ now: T0 + 1, records: [outcome(c1, 'succeeded', T0 + 1)], claims: [{ subscriptionId: 's', limit: 10 }] }));
      expect(next.claimed.map((c) => c.event.id)).toEqual([l2!.id]);
      // A retry keeps it at the head: the third waits though it is due.
      const later = await f.deliveries.turn(turnOf({ now: T0 + 2, records: [outcome(next.claimed[0]!, 'retry', T0 + 2)], claims: [{ subscriptionId: 's', limit: 10 }] }));
      expect(later.claimed).toEqual([]);
      const retried = await claimFor(f.deliveries, 's', 10, T0 + 2 + 10_000);
      expect(retried.map((c) => [c.event.id, c.attempt])).toEqual([[l2!.id, 2]]);
    });

    it('is not due before its next attempt time, which nextDueAfter reports', async () => {
      await f.appendEvents(eventsOfLeads(1));
      await fanOutAll(f.deliveries);
      const [c] = await claimFor(f.deliveries, 's', 1, T0);
      expect(await f.deliveries.nextDueAfter(T0)).toBe(null); // leased, and due already
      await record(f.deliveries, [outcome(c!, 'retry', T0 + 10, { nextAttemptAt: T0 + 5_000 })], T0 + 10);
      expect(await claimFor(f.deliveries, 's', 1, T0 + 4_999)).toEqual([]);
      expect(await f.deliveries.nextDueAfter(T0 + 100)).toBe(T0 + 5_000);
      expect(await f.deliveries.nextDueAfter(T0 + 5_000)).toBe(null);
      expect((await claimFor(f.deliveries, 's', 1, T0 + 5_000)).map((x) => x.attempt)).toEqual([2]);
    });

    it('gives nothing to a disabled subscription or an open circuit; once the pause is over, one probe at a time', async () => {
      await f.addSubscription({ id: 'off', enabled: false });
      await f.addSubscription({ id: 'open', circuitOpenUntil: T0 + 1_000, consecutiveFailures: 5, failingSince: T0 - 1 });
      await f.appendEvents(eventsOfLeads(3));
      await fanOutAll(f.deliveries);
      await f.deliveries.insertPing('off', event('p', { type: 'ping' }), newId('dlv'), T0);
      expect(await claimFor(f.deliveries, 'off', 5, T0)).toEqual([]);
      expect(await claimFor(f.deliveries, 'open', 5, T0 + 999)).toEqual([]);
      const [probe, ...more] = await claimFor(f.deliveries, 'open', 5, T0 + 1_000);
      expect(probe).toBeDefined();
      expect(more).toEqual([]);
      expect(await claimFor(f.deliveries, 'open', 5, T0 + 1_001)).toEqual([]); // the probe is in flight
      await f.deliveries.release(probe!);
      expect(await claimFor(f.deliveries, 'open', 5, T0 + 1_002)).toHaveLength(1);
    });

    it('never leases more than maxConcurrency at once; an expired lease no longer counts', async () => {
      await f.addSubscription({ id: 'capped', maxConcurrency: 2 });
      await f.appendEvents(eventsOfLeads(5));
      await fanOutAll(f.deliveries);
      const held = await claimFor(f.deliveries, 'capped', 5, T0, T0 + 1_000);
      expect(held).toHaveLength(2);
      expect(await claimFor(f.replica(), 'capped', 5, T0)).toEqual([]);
      const next = await f.deliveries.turn(turnOf({ now: T0 + 1, records: [outcome(held[0]!, 'succeeded', T0 + 1)], claims: [{ subscriptionId: 'capped', limit: 5 }] }));
      expect(next.claimed).toHaveLength(1);
      // Every lease runs out (their replicas died): two, and only two, are claimed again.
      expect(await claimFor(f.deliveries, 'capped', 5, T0 + 60_001)).toHaveLength(2);
    });

    it('claims nothing, and fails nothing, while more are leased than maxConcurrency now allows', async () => {
      await f.addSubscription({ id: 'capped', maxConcurrency: 3 });
      await f.appendEvents(eventsOfLeads(5));
      await fanOutAll(f.deliveries);
      const held = await claimFor(f.deliveries, 'capped', 5, T0);
      expect(held).toHaveLength(3);
      await f.setMaxConcurrency('capped', 1); // lowered by an operator while three are in flight
      const r = await f.deliveries.turn(turnOf({ now: T0 + 1, records: [outcome(held[0]!, 'succeeded', T0 + 1)], claims: [{ subscriptionId: 'capped', limit: 5 }] }));
      expect(r).toMatchObject({ recorded: [true], claimed: [] });
      expect(r.claimError).toBeUndefined();
    });

    it('release gives a claim back without counting the attempt, only with its token', async () => {
      await f.appendEvents(eventsOfLeads(1));
      await fanOutAll(f.deliveries);
      const [c] = await claimFor(f.deliveries, 's', 1, T0);
      await f.deliveries.release({ id: c!.id, leaseToken: c!.leaseToken + 1 });
      expect(await claimFor(f.deliveries, 's', 1, T0 + 1)).toEqual([]);
      await f.deliveries.release(c!);
      const [again] = await claimFor(f.deliveries, 's', 1, T0 + 2);
      expect(again).toMatchObject({ id: c!.id, attempt: 1 });
    });
  });

  describe('outcomes', () => {
    beforeEach(async () => {
      await f.addSubscription({ id: 's' });
      await f.appendEvents(eventsOfLeads(3));
      await fanOutAll(f.deliveries);
    });

    it('records success and retries in the attempt log the views show', async () => {
      const [a, b] = await claimFor(f.deliveries, 's', 2, T0);
      const r = await record(f.deliveries, [outcome(a!, 'succeeded', T0 + 10), outcome(b!, 'retry', T0 + 20)], T0 + 20);
      expect(r.recorded).toEqual([true, true]);
      const va = await f.deliveries.get(a!.id);
      expect(va).toMatchObject({ status: 'succeeded', attempts: 1, nextAttemptAt: null, lastStatusCode: 200, lastError: null, completedAt: T0 + 10, updatedAt: T0 + 10 });
      expect(va!.attemptLog).toEqual([
        { id: expect.any(String), attempt: 1, trigger: 'scheduled', startedAt: T0 + 5, durationMs: 5, statusCode: 200, error: null, responseExcerpt: 'ok', responseHeaders: null, nextAttemptAt: null },
      ]);
      const vb = await f.deliveries.get(b!.id);
      expect(vb).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 10_020, lastStatusCode: 500, lastError: 'HTTP 500', completedAt: null });
      expect(vb!.attemptLog.map((x) => x.nextAttemptAt)).toEqual([T0 + 10_020]);
    });

    it('one bad outcome does not sink the others: each is recorded alone and the bad one gets its error', async () => {
      const [a, b, c] = await claimFor(f.deliveries, 's', 3, T0);
      const ra = outcome(a!, 'succeeded', T0 + 1);
      const rb = outcome(b!, 'succeeded', T0 + 1, { trigger: null as unknown as 'scheduled' }); // refused: trigger is NOT NULL
      const rc = outcome(c!, 'failed', T0 + 1);
      const gone = outcome({ ...c!, id: 'dlv_unknown' }, 'succeeded', T0 + 1);
      const r = await f.deliveries.turn(turnOf({ now: T0 + 1, records: [ra, rb, rc, gone], claims: [{ subscriptionId: 's', limit: 5 }] }));
      expect(r.recorded[0]).toBe(true);
      expect(r.recorded[1]).toBeInstanceOf(Error);
      expect(r.recorded.slice(2)).toEqual([true, false]);
      expect((await f.deliveries.get(a!.id))!.status).toBe('succeeded');
      expect((await f.deliveries.get(b!.id))!.status).toBe('pending');
      expect((await f.deliveries.get(c!.id))!.status).toBe('failed');
      expect(r.claimError).toBeUndefined();
    });

    it('a failing fan-out still records the outcomes and reports claimError', async () => {
      const [a] = await claimFor(f.deliveries, 's', 1, T0);
      await f.appendEvents(eventsOfLeads(1, 'new'));
      const r = await f.deliveries.turn(
        turnOf({
          now: T0 + 1,
          records: [outcome(a!, 'succeeded', T0 + 1)],
          fanOutLimit: 10,
          match: () => {
            throw new Error('match broke');
          },
          claims: [{ subscriptionId: 's', limit: 5 }],
        }),
      );
      expect(r.recorded).toEqual([true]);
      expect(r.claimError?.message).toBe('match broke');
      expect(r.claimed).toEqual([]);
      expect((await f.deliveries.get(a!.id))!.status).toBe('succeeded');
      expect(await fanOutAll(f.deliveries)).toBe(1); // nothing was taken off the fan-out queue
    });
  });

  describe('operator actions and views', () => {
    beforeEach(async () => {
      await f.addSubscription({ id: 's' });
    });

    it('retryNow makes a finished delivery due at once, as a manual attempt; not while in flight', async () => {
      await f.appendEvents(eventsOfLeads(1));
      await fanOutAll(f.deliveries);
      const [c] = await claimFor(f.deliveries, 's', 1, T0);
      expect(await f.deliveries.retryNow(c!.id, T0 + 1)).toBeUndefined(); // in flight
      await record(f.deliveries, [outcome(c!, 'failed', T0 + 2)], T0 + 2);
      expect(await f.deliveries.retryNow('dlv_nope', T0 + 3)).toBeUndefined();
      expect(await f.deliveries.retryNow(c!.id, T0 + 3)).toEqual({ subscriptionId: 's' });
      expect(await f.deliveries.get(c!.id)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 3, completedAt: null });
      const [again] = await claimFor(f.deliveries, 's', 1, T0 + 3);
      expect(again).toMatchObject({ id: c!.id, attempt: 2, manual: true });
    });

    it('retryNow closes an open circuit so the retry goes out now', async () => {
      await f.addSubscription({ id: 'tripped', circuitOpenUntil: T0 + 99_000, consecutiveFailures: 9, failingSince: T0 });
      await f.deliveries.insertPing('tripped', event('p', { type: 'ping' }), 'dlv_ping', T0);
      expect(await claimFor(f.deliveries, 'tripped', 1, T0 + 1)).toEqual([]);
      expect(await f.deliveries.retryNow('dlv_ping', T0 + 1)).toEqual({ subscriptionId: 'tripped' });
      expect((await f.subscription('tripped'))!.circuitOpenUntil).toBe(null);
      expect(await claimFor(f.deliveries, 'tripped', 1, T0 + 1)).toHaveLength(1);
    });

    it('requeue queues events again once, skipping those still pending', async () => {
      const events = eventsOfLeads(2);
      const seqs = await f.appendEvents(events);
      await fanOutAll(f.deliveries);
      const asStored = events.map((e, i) => ({ seq: seqs[i]!, sourceId: e.sourceId, leadId: e.leadId }));
      expect(await f.deliveries.requeue('s', asStored, () => newId('dlv'), T0)).toBe(0); // both pending
      const [a] = (await claimFor(f.deliveries, 's', 2, T0)).filter((c) => c.event.id === events[0]!.id);
      await record(f.deliveries, [outcome(a!, 'succeeded', T0 + 1)], T0 + 1);
      const twice = [asStored[0]!, asStored[0]!, asStored[1]!];
      expect(await f.deliveries.requeue('s', twice, () => newId('dlv'), T0 + 2)).toBe(1);
      expect(await f.deliveries.requeue('s', twice, () => newId('dlv'), T0 + 3)).toBe(0);
      const list = await f.deliveries.listForSubscription('s', { limit: 10 });
      expect(list.map((d) => [d.eventId, d.status])).toEqual([
        [events[0]!.id, 'pending'],
        [events[1]!.id, 'pending'],
        [events[0]!.id, 'succeeded'],
      ]);
    });

    it('lists newest first in pages by id, filtered by status; counts what is pending', async () => {
      await f.addSubscription({ id: 'off', enabled: false });
      await f.appendEvents(eventsOfLeads(5));
      await fanOutAll(f.deliveries);
      await f.deliveries.insertPing('off', event('p', { type: 'ping' }), newId('dlv'), T0 + 7);
      const [done] = await claimFor(f.deliveries, 's', 1, T0);
      await record(f.deliveries, [outcome(done!, 'succeeded', T0 + 1)], T0 + 1);

      const all = await f.deliveries.listForSubscription('s', { limit: 10 });
      expect(all).toHaveLength(5);
      expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort().reverse());
      const page1 = await f.deliveries.listForSubscription('s', { limit: 2 });
      const page2 = await f.deliveries.listForSubscription('s', { limit: 2, before: page1.at(-1)!.id });
      const page3 = await f.deliveries.listForSubscription('s', { limit: 2, before: page2.at(-1)!.id });
      expect([...page1, ...page2, ...page3].map((d) => d.id)).toEqual(all.map((d) => d.id));
      expect((await f.deliveries.listForSubscription('s', { limit: 10, status: 'succeeded' })).map((d) => d.id)).toEqual([done!.id]);
      expect(await f.deliveries.listForSubscription('s', { limit: 10, status: 'failed' })).toEqual([]);

      expect(await f.deliveries.pendingCount()).toBe(4); // the disabled subscription's ping is not counted
      expect(await f.deliveries.queueBySubscription()).toEqual([
        { subscriptionId: 'off', pending: 1, oldestCreatedAt: T0 + 7 },
        { subscriptionId: 's', pending: 4, oldestCreatedAt: T0 },
      ]);
      expect(await f.deliveries.get('dlv_nope')).toBeUndefined();
    });
  });
});
