// src/vendors/<id>/README.md, vendor by vendor: what each adapter must do beyond the shared conformance suite.
import { afterEach, describe, expect, it } from 'vitest';
import { NexusSimulator } from '../src/vendors/nexus-erp/sim/index.js';
import { PenguinMailsSimulator } from '../src/vendors/penguinmails/sim/index.js';
import { MegaSimulator } from '../src/vendors/mega/sim/index.js';
import { Harness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});


describe('Nexus ERP: full scans with shifting order', () => {
  it('a lead skipped once by a reschedule mid-scan is not deleted, and one listed twice is announced once', async () => {
    const sim = new NexusSimulator({ apiKey: 'nexus-key' });
    h = await new Harness({ sim, source: { pageSize: 5 } }).start();
    sim.seed(10);
    // Every lead gets a call time (in the current order): a lead without one sorts after the moved
    // lead, and enough of those would keep it on page 1, already read, so it would not be listed twice.
    for (const id of sim.leadIds()) sim.rescheduleToBack(id);
    await h.syncAndCollect();
    await h.syncAndCollect();

    // Scan 3: when page 2 is asked for, an unread lead jumps to the front (skipped) and a read one
    // moves to the back (listed twice).
    const order = sim.leadIds();
    const [readEarly, unread] = [order[0]!, order[7]!];
    const scanStart = sim.requests.length;
    let pageInScan = 0;
    sim.onListRequest = () => {
      pageInScan++;
      if (pageInScan === 2) {
        sim.rescheduleToFront(unread);
        sim.rescheduleToBack(readEarly);
      }
    };
    const third = await h.syncAndCollect();
    sim.onListRequest = undefined;
    expect(sim.requests.length - scanStart).toBeGreaterThanOrEqual(2);
    // The moved leads changed (nextCallAt): each is announced at most once, nothing is deleted.
    const updatedIds = third.filter((w) => w.type === 'lead.updated').map((w) => w.body.data.lead.id);
    expect(new Set(updatedIds).size).toBe(updatedIds.length);
    expect(updatedIds).toContain(readEarly);
    expect(third.filter((w) => w.type === 'lead.deleted')).toEqual([]);

    // Scan 4 lists the skipped lead again (with its change): still nothing deleted.
    const fourth = await h.syncAndCollect();
    expect(fourth.filter((w) => w.type === 'lead.deleted')).toEqual([]);
    expect(fourth.map((w) => w.body.data.lead.id)).toContain(unread);
    expect((await h.api('GET', '/v1/sources')).body.data[0].leadCount).toBe(10);
  });

  it('a lead skipped by the shifting order in two scans in a row is not deleted: a scan that lists one lead twice counts for nothing', async () => {
    const sim = new NexusSimulator({ apiKey: 'nexus-key' });
    h = await new Harness({ sim, source: { pageSize: 5 } }).start();
    sim.seed(10);
    for (const id of sim.leadIds()) sim.rescheduleToBack(id);
    await h.syncAndCollect();
    await h.syncAndCollect();
    const skipped = sim.leadIds()[7]!;
    // The rows of such a scan add up to the vendor's total (one lead twice, one never), so only the
    // distinct ids tell it from a complete one.
    const scanSkipping = async () => {
      sim.rescheduleToBack(skipped); // on the last page when the scan starts
      const readEarly = sim.leadIds()[0]!;
      let pageInScan = 0;
      sim.onListRequest = () => {
        if (++pageInScan === 2) {
          sim.rescheduleToFront(skipped); // onto page 1, already read
          sim.rescheduleToBack(readEarly); // onto page 2: listed twice
        }
      };
      try {
        return await h.syncAndCollect();
      } finally {
        sim.onListRequest = undefined;
      }
    };
    for (const scan of ['third', 'fourth']) {
      const got = await scanSkipping();
      expect(got.filter((w) => w.type === 'lead.deleted'), `${scan} scan`).toEqual([]);
      const source = (await h.api('GET', '/v1/sources')).body.data[0];
      expect(source.warning, `${scan} scan`).toMatchObject({ code: 'scan_incomplete' });
      expect(source.warning.message).toMatch(/listed 9 distinct leads of 10/);
    }
    // A scan without a shift is complete again, and the lead was never lost.
    expect((await h.syncAndCollect()).filter((w) => w.type === 'lead.deleted')).toEqual([]);
    const source = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(source.warning).toBeNull();
    expect(source.leadCount).toBe(10);
  });

  it('a lead reported missing that comes back is announced as lead.created again', async () => {
    const sim = new NexusSimulator({ apiKey: 'nexus-key' });
    h = await new Harness({ sim, source: { pageSize: 5 } }).start();
    const ids = sim.seed(10);
    await h.syncAndCollect();
    const gone = sim.getLead(ids[2]!)!;
    sim.deleteLead(gone.id);
    await h.syncAndCollect();
    expect((await h.syncAndCollect()).map((w) => [w.type, w.body.data.reason])).toEqual([['lead.deleted', 'missing']]);
    // Back (e.g. a permission fixed): same id, same record.
    sim.createLead({ ...gone });
    const back = await h.syncAndCollect();
    expect(back.map((w) => [w.type, w.body.data.lead.id])).toEqual([['lead.created', gone.id]]);
  });

  it('never emits event.* (Nexus has no activity feed)', async () => {
    const sim = new NexusSimulator({ apiKey: 'nexus-key', volatility: 0.5 });
    h = await new Harness({ sim }).start();
    const ids = sim.seed(5);
    for (const id of ids) sim.touchLead(id);
    await h.syncAndCollect();
    await h.syncAndCollect();
    expect(h.sub.accepted.some((w) => w.type.startsWith('event.'))).toBe(false);
  });
});

describe('PenguinMails: row hashes, details and activity', () => {
  it('reads details only for new and changed rows (plus the round-robin), and turns activity into event.added once', async () => {
    const sim = new PenguinMailsSimulator({ apiKey: 'pm-key', rateLimits: [] });
    h = await new Harness({ sim, source: { rateLimits: [], detailRefreshPerPoll: 0 } }).start();
    const ids = sim.seed(6);
    const first = await h.syncAndCollect();
    expect(first.filter((w) => w.type === 'lead.created')).toHaveLength(6);
    const seededActivity = ids.reduce((n, id) => n + sim.getLead(id)!.activity.length, 0);
    expect(first.filter((w) => w.type === 'event.added')).toHaveLength(seededActivity);
    const detailsAfterFirst = sim.detailRequests();
    expect(detailsAfterFirst).toBe(6);

    // Nothing changed: no detail reads, no events.
    expect(await h.syncAndCollect()).toEqual([]);
    expect(sim.detailRequests()).toBe(detailsAfterFirst);

    // A status change: the row hash moves, details are read, the new activity is announced.
    sim.touchLead(ids[0]!);
    const entry = sim.addActivity(ids[0]!, { type: 'replied', campaign_id: sim.campaigns[0] });
    const got = await h.syncAndCollect();
    expect(sim.detailRequests(ids[0])).toBe(2);
    expect(got.map((w) => w.type)).toEqual(['lead.updated', 'event.added']);
    const event = got[1]!.body.data.event;
    expect(event).toMatchObject({ type: 'replied', occurredAt: new Date(entry.timestamp).toISOString() });
    expect(event.id).toMatch(/^act_/);
    // The synthetic key is stable: reading the same history again announces nothing.
    sim.touchLead(ids[0]!);
    const again = await h.syncAndCollect();
    expect(again.map((w) => w.type)).toEqual(['lead.updated']);
  });

  it('refreshes unchanged leads round-robin to find activity that does not change the row', async () => {
    const sim = new PenguinMailsSimulator({ apiKey: 'pm-key', rateLimits: [] });
    h = await new Harness({ sim, source: { rateLimits: [], detailRefreshPerPoll: 2 } }).start();
    const ids = sim.seed(6);
    await h.syncAndCollect();
    sim.addActivity(ids[4]!, { type: 'email_opened', campaign_id: sim.campaigns[1] });
    let found: any;
    for (let poll = 0; poll < 4 && !found; poll++) {
      found = (await h.syncAndCollect()).find((w) => w.type === 'event.added');
    }
    expect(found?.body.data).toMatchObject({ leadId: ids[4], event: { type: 'email_opened' } });
  });

  it('skips a refresh answered 404 (deleted since the listing) instead of failing the run', async () => {
    const sim = new PenguinMailsSimulator({ apiKey: 'pm-key', rateLimits: [] });
    h = await new Harness({ sim, source: { rateLimits: [], detailRefreshPerPoll: 2 } }).start();
    const ids = sim.seed(4);
    await h.syncAndCollect();
    // The round-robin goes in id order: this poll refreshes the two smallest ids, after the listing.
    const [gone, next] = [...ids].sort();
    sim.failNext(1, { status: 404, path: `/api/v1/tenant/leads/${gone}` });
    const run = await h.sync();
    expect(run.error).toBeNull();
    expect(sim.requests.filter((r) => r.status === 404).map((r) => r.path)).toEqual([`/api/v1/tenant/leads/${gone}`]);
    expect(sim.detailRequests(next)).toBe(2); // the refresh after it still ran
    expect((await h.api('GET', '/v1/sources')).body.data[0].cursor).toEqual({ refreshAfter: next });
  });

  it('never exceeds the request budget, counted at the vendor', async () => {
    const limit = { limit: 8, windowMs: 1000 };
    const sim = new PenguinMailsSimulator({ apiKey: 'pm-key', rateLimits: [limit] });
    h = await new Harness({ sim, source: { rateLimits: [{ requests: 8, per: '1s' }], pageSize: 10 } }).start();
    sim.seed(20); // 2 list pages + 20 detail reads: about 3 s at 8 requests a second
    await h.syncAndCollect();
    // Judged by lower bounds on time, which a loaded machine can only stretch: arrivals at the vendor
    // can bunch up after a stall even when the relay spaced its sends (an upper bound on requests in
    // a window, measured here, flaked). The budget's own peak is tested on an injected clock
    // (test/pacing.test.ts).
    const times = sim.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(22);
    // A burst of at most 10% of the budget (one request), then one every 125 ms.
    const steady = times.length - 1 - 1;
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(steady * 125 - 250);
    expect(h.sub.accepted.filter((w) => w.type === 'lead.created')).toHaveLength(20);
  }, 20_000);
});

describe('MEGA: incremental cursor, periodic full scans, interaction counters', () => {
  it('polls incrementally with updated_since + cursor and custom fields, and lists everything every fullScanEvery polls', async () => {
    const sim = new MegaSimulator({ rateLimits: [] });
    h = await new Harness({ sim, source: { rateLimits: [], fullScanEvery: 3, pageSize: 4 } }).start();
    const ids = sim.seed(10);
    const lists = () => sim.requests.filter((r) => r.path === '/api/agents/crm/leads');
    const first = await h.syncAndCollect();
    expect(first.filter((w) => w.type === 'lead.created')).toHaveLength(10);
    expect(first[0]!.body.data.lead.raw.custom_fields).toBeTypeOf('object');
    expect(lists()[0]!.query).toMatchObject({ sort_by: 'updated_at', sort_dir: 'asc', include_custom_fields: 'true' });
    expect(lists()[0]!.query.updated_since).toBeUndefined(); // the first sync is a full listing
    expect(lists().some((r) => r.query.cursor)).toBe(true);

    // Poll 1 (at start, empty account) and poll 2 (no cursor yet) were full listings.
    sim.deleteLead(ids[1]!);
    const before = lists().length;
    await h.syncAndCollect(); // poll 3: incremental
    await h.syncAndCollect(); // poll 4: incremental
    const incremental = lists().slice(before);
    expect(incremental.every((r) => r.query.updated_since)).toBe(true);
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);

    await h.syncAndCollect(); // poll 5: full scan, the lead is missed once
    await h.syncAndCollect(); // poll 6: incremental
    await h.syncAndCollect(); // poll 7: incremental
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);
    await h.syncAndCollect(); // poll 8: full scan, missed twice: deleted
    const deletes = h.sub.accepted.filter((w) => w.type === 'lead.deleted');
    expect(deletes.map((w) => [w.body.data.lead.id, w.body.data.reason])).toEqual([[ids[1], 'missing']]);
    const fullScans = lists().filter((r) => !r.query.updated_since && !r.query.cursor);
    expect(fullScans.length).toBe(4); // polls 1, 2, 5 and 8
  });

  it('turns a rising interaction_count into one event.added of type interaction', async () => {
    const sim = new MegaSimulator({ rateLimits: [] });
    h = await new Harness({ sim, source: { rateLimits: [] } }).start();
    const [id] = sim.seed(2);
    await h.syncAndCollect();
    const before = sim.getLead(id!)!.interaction_count;
    sim.recordInteraction(id!);
    sim.recordInteraction(id!);
    const got = await h.syncAndCollect();
    expect(got.map((w) => w.type)).toEqual(['lead.updated', 'event.added']);
    const ev = got[1]!.body.data;
    expect(ev.leadId).toBe(id);
    expect(ev.event).toMatchObject({
      id: `${id}:interaction:${before + 2}`,
      type: 'interaction',
      data: { previousCount: before, interactionCount: before + 2, lastInteractionAt: sim.getLead(id!)!.last_interaction_at },
    });
    expect(await h.syncAndCollect()).toEqual([]);
  });

  it('honours RateLimit-Remaining: 0 by pausing until the reset, so the vendor never answers 429', async () => {
    const sim = new MegaSimulator({ rateLimits: [{ limit: 5, windowMs: 1000 }] });
    // No budget of our own: only the vendor's headers keep us within its limit.
    h = await new Harness({ sim, source: { rateLimits: [], pageSize: 2 } }).start();
    sim.seed(16); // 8+ pages
    await h.syncAndCollect();
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(h.sub.accepted.filter((w) => w.type === 'lead.created')).toHaveLength(16);
  }, 20_000);
});

describe('sources are independent', () => {
  it('a throttled source never delays another source or its deliveries', async () => {
    const sim = new MegaSimulator({ rateLimits: [] });
    // Source "mega" may make 30 requests an hour, 3 at once (then one every 2 min); "mega-b" reads the
    // same account without a budget.
    h = await new Harness({ sim, secondSource: true, source: { rateLimits: [{ requests: 30, per: '1h' }], pageSize: 2 } }).start();
    expect(h.sub.accepted).toEqual([]);
    sim.seed(10); // 5 pages: "mega" spends its burst after 2 more requests and waits minutes for the next
    const throttled = await h.api('POST', '/v1/sources/mega/sync');
    expect(throttled.status).toBe(202);
    await waitFor(async () => (await h.api('GET', '/v1/sources')).body.data.find((s: any) => s.id === 'mega').syncing);

    const run = await h.sync('mega-b');
    expect(run.status).toBe('ok');
    await waitFor(() => h.sub.accepted.filter((w) => w.body.data.source === 'mega-b').length === 10);
    const sources = (await h.api('GET', '/v1/sources')).body.data;
    expect(sources.find((s: any) => s.id === 'mega').syncing).toBe(true); // still waiting on its budget
    // A long run shows how far it got.
    const progress = await waitFor(async () => {
      const p = (await h.api('GET', '/v1/sources')).body.data.find((s: any) => s.id === 'mega').progress;
      return p?.pages >= 2 && p;
    });
    expect(progress).toMatchObject({ pages: 2, leadsSeen: 4 });
    expect(progress.leadsPerSecond).toBeGreaterThan(0);
    expect(Date.parse(progress.startedAt)).not.toBeNaN();
    expect((await h.api('GET', '/v1/sources')).body.data.find((s: any) => s.id === 'mega-b').progress).toBeNull();
    expect(sources.find((s: any) => s.id === 'mega-b').leadCount).toBe(10);
  });
});
