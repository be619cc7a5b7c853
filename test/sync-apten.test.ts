// src/vendors/apten/README.md and interface.md "Webhooks sent": every change becomes exactly the right webhook.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AptenSimulator, AptenVendorSim } from '../src/vendors/apten/sim/index.js';
import { APTEN_KEY, Harness } from './helpers/harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const NORMALIZED_KEYS = [
  'id', 'source', 'vendor', 'name', 'firstName', 'lastName', 'email', 'emails', 'phone', 'phones', 'company',
  'status', 'tags', 'owner', 'createdAt', 'updatedAt', 'deleted', 'raw',
].sort();

/** Syncs, waits for delivery to drain, and returns the webhooks accepted since `from`. */

describe('lead lifecycle webhooks', () => {
  it('sends lead.created, lead.updated, event.added, event.updated and lead.deleted with the documented payloads', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phone: '+15555550100' });

    const [created, ...noMore] = await h.syncAndCollect();
    expect(noMore).toEqual([]);
    expect(created!.type).toBe('lead.created');
    expect(created!.headers['content-type']).toBe('application/json');
    expect(created!.headers['user-agent']).toMatch(/^leadrelay\/\d+\.\d+\.\d+/);
    expect(created!.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(Object.keys(created!.body)).toEqual(['type', 'timestamp', 'data']);
    expect(created!.body.data).toMatchObject({ source: 'apten', vendor: 'apten' });
    const createdLead = created!.body.data.lead;
    expect(Object.keys(createdLead).sort()).toEqual(NORMALIZED_KEYS);
    expect(createdLead).toMatchObject({
      id: lead.id,
      name: 'Grace Hopper',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@example.com',
      emails: ['grace@example.com'],
      phone: '+15555550100',
      phones: ['+15555550100'],
      company: null,
      status: 'NEW',
      owner: null,
      deleted: false,
    });
    expect(createdLead.raw).toEqual(h.apten.getLead(lead.id));

    // A profile change: lead.updated with previous and dotted change paths.
    h.apten.updateLead(lead.id, { isQualified: true });
    const [updated, ...none] = await h.syncAndCollect();
    expect(none).toEqual([]);
    expect(updated!.type).toBe('lead.updated');
    expect(updated!.body.data.previous.status).toBe('NEW');
    expect(updated!.body.data.lead.status).toBe('QUALIFIED');
    expect(updated!.body.data.changes).toEqual(expect.arrayContaining(['status', 'raw.isQualified', 'raw.updatedAt', 'updatedAt']));
    expect(updated!.body.data.changes).not.toContain('raw.firstName');

    // A new message: the lead record moved (lastActivityAt) and the event is new.
    const msg = h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'INBOUND', content: { text: 'Hi' }, status: 'RECEIVED' } });
    const afterMessage = await h.syncAndCollect();
    expect(afterMessage.map((w) => w.type)).toEqual(['lead.updated', 'event.added']);
    const added = afterMessage[1]!.body.data;
    expect(added).toMatchObject({ source: 'apten', vendor: 'apten', leadId: lead.id });
    expect(added.event).toMatchObject({ id: msg.id, type: 'MESSAGE', occurredAt: msg.timestamp, data: msg.data });
    expect(added.lead.id).toBe(lead.id);

    // A delivery-status edit of that message: event.updated, same event id.
    const outbound = h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'OUTBOUND', status: 'SENT' } });
    await h.syncAndCollect();
    h.apten.editEvent(lead.id, outbound.id, { status: 'DELIVERED' });
    const afterEdit = await h.syncAndCollect();
    expect(afterEdit.map((w) => w.type)).toEqual(['lead.updated', 'event.updated']);
    expect(afterEdit[1]!.body.data.event).toMatchObject({ id: outbound.id, data: { status: 'DELIVERED' } });

    // Soft delete: lead.deleted once, with the last state (PII scrubbed by the vendor).
    h.apten.deleteLead(lead.id);
    const afterDelete = await h.syncAndCollect();
    expect(afterDelete.map((w) => w.type)).toEqual(['lead.deleted']);
    expect(afterDelete[0]!.body.data).toMatchObject({ reason: 'vendor_deleted', lead: { id: lead.id, deleted: true, email: null } });
    // The vendor scrubbed the PII; previous still says who it was.
    expect(afterDelete[0]!.body.data.previous).toMatchObject({ id: lead.id, deleted: false, email: 'grace@example.com' });
    expect(await h.syncAndCollect()).toEqual([]);

    // Restored: a deleted lead that reappears is lead.updated.
    h.apten.restoreLead(lead.id);
    const afterRestore = await h.syncAndCollect();
    expect(afterRestore.map((w) => w.type)).toEqual(['lead.updated']);
    expect(afterRestore[0]!.body.data.changes).toContain('deleted');
  });

  it('passes unknown event types through like any other', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    await h.syncAndCollect();
    const odd = h.apten.addEvent(lead.id, { type: 'HOLOGRAM_CALL', data: { minutes: 3 } });
    const got = await h.syncAndCollect();
    const added = got.find((w) => w.type === 'event.added');
    expect(added?.body.data.event).toMatchObject({ id: odd.id, type: 'HOLOGRAM_CALL', data: { minutes: 3 } });
  });

  it('keys events by type + id: the same id under two types is two events', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    h.apten.addEvent(lead.id, { type: 'MESSAGE', id: 'shared-1', data: {} });
    h.apten.addEvent(lead.id, { type: 'CALL', id: 'shared-1', data: {} });
    const got = await h.syncAndCollect();
    expect(got.filter((w) => w.type === 'event.added').map((w) => w.body.data.event.type).sort()).toEqual(['CALL', 'MESSAGE']);
  });
});

/** An Apten account on a clock the test moves by hand, so timestamps sit exactly where a test wants them. */
async function aptenOnClock(opts: { pageSize?: number } = {}) {
  const clock = { t: Date.parse('2026-03-01T10:00:00.000Z') };
  const apten = new AptenSimulator({ apiKey: APTEN_KEY, now: () => clock.t });
  h = await new Harness({ sim: new AptenVendorSim(apten), ...opts }).start();
  return { apten, clock };
}

describe('interaction events at the edges', () => {
  it('reads an event stamped in the same millisecond as the newest one already seen (the edge of the feed query)', async () => {
    const { apten, clock } = await aptenOnClock();
    const lead = apten.createLead();
    clock.t += 60_000;
    const first = apten.addEvent(lead.id, { type: 'MESSAGE', data: { text: 'one' } });
    await h.syncAndCollect();
    // Written after the relay read the feed, stamped like the event it saw last: the lead does not move.
    const edge = apten.addEvent(lead.id, { type: 'CALL', data: { minutes: 2 } });
    expect(edge.updatedAt).toBe(first.updatedAt);
    clock.t += 60_000;
    const later = apten.addEvent(lead.id, { type: 'MESSAGE', data: { text: 'three' } });
    const got = await h.syncAndCollect();
    expect(got.filter((w) => w.type === 'event.added').map((w) => w.body.data.event.id).sort()).toEqual([edge.id, later.id].sort());
  });

  it('announces every later edit of an event once, with the data it has then, and nothing when it is read again unchanged', async () => {
    const { apten, clock } = await aptenOnClock();
    const lead = apten.createLead();
    const msg = apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'OUTBOUND', status: 'SENT' } });
    await h.syncAndCollect();
    for (const status of ['DELIVERED', 'READ']) {
      clock.t += 1_000;
      apten.editEvent(lead.id, msg.id, { status });
      const got = (await h.syncAndCollect()).filter((w) => w.type.startsWith('event.'));
      expect(got.map((w) => [w.type, w.body.data.event.id, w.body.data.event.data.status])).toEqual([['event.updated', msg.id, status]]);
    }
    // A new event half a second later: the feed is read again from 2 s before the READ edit, so the
    // READ message comes back too, unchanged since it was announced.
    clock.t += 500;
    const call = apten.addEvent(lead.id, { type: 'CALL', data: {} });
    const got = (await h.syncAndCollect()).filter((w) => w.type.startsWith('event.'));
    expect(got.map((w) => [w.type, w.body.data.event.id])).toEqual([['event.added', call.id]]);
    const since = apten.requests.filter((r) => r.path.endsWith('/events')).at(-1)!.query.since!;
    expect(Date.parse(since)).toBeLessThanOrEqual(Date.parse(apten.events(lead.id).find((e) => e.id === msg.id)!.updatedAt));
  });
});

describe('one transaction per page: snapshot, outbox and cursor', () => {
  it('a page whose write fails leaves the cursor where the page before left it, and the next poll reads that page again', async () => {
    const { apten, clock } = await aptenOnClock({ pageSize: 3 });
    // Nine leads 10 s apart, far more than the 2 s overlap: pages of 3 end at leads 2, 5 and 8.
    const leads = Array.from({ length: 9 }, () => {
      clock.t += 10_000;
      return apten.createLead();
    });
    // A real write failure on page 2: a trigger, added through a second connection, refuses one of its leads.
    const db = new Database(join(h.dir, 'relay.db'));
    try {
      db.exec(`CREATE TRIGGER refuse_lead BEFORE INSERT ON leads WHEN NEW.lead_id = '${leads[4]!.id}'
               BEGIN SELECT RAISE(ABORT, 'injected write failure'); END`);
      const failed = await h.sync();
      expect(failed.status).toBe('error');
      expect(failed.error!.message).toContain('injected write failure');
      expect(failed.stats.pages).toBe(1);
      await h.waitIdle();
      // Page 1 is in, with its cursor; nothing of page 2 is: not its leads, its events or its cursor.
      const source = (await h.api('GET', '/v1/sources')).body.data[0];
      expect(source.cursor.updatedSince).toBe(leads[2]!.updatedAt);
      expect(source.leadCount).toBe(3);
      expect(h.sub.accepted.map((w) => w.body.data.lead.id).sort()).toEqual(leads.slice(0, 3).map((l) => l.id).sort());
      db.exec('DROP TRIGGER refuse_lead');
    } finally {
      db.close();
    }
    // The very next poll, an incremental one (the full listing is 96 polls away), starts again just before page 2.
    const lists = () => apten.requests.filter((r) => r.path === '/leads');
    const before = lists().length;
    const got = await h.syncAndCollect();
    expect(lists()[before]!.query.updatedSince).toBe(new Date(Date.parse(leads[2]!.updatedAt) - 2_000).toISOString());
    expect(got.map((w) => w.body.data.lead.id).sort()).toEqual(leads.slice(3).map((l) => l.id).sort());
    expect((await h.api('GET', '/v1/sources')).body.data[0].cursor.updatedSince).toBe(leads[8]!.updatedAt);
  });
});

describe('polls with no change emit nothing', () => {
  it('sends nothing and reads no event feed when nothing changed', async () => {
    h = await new Harness({ seed: 5 }).start();
    const first = h.sub.accepted.length;
    expect(first).toBe(10); // 5 x lead.created + 5 x event.added from the emit-mode initial sync
    const eventReads = () => h.apten.requests.filter((r) => r.path.endsWith('/events')).length;
    const before = eventReads();
    for (let i = 0; i < 3; i++) expect(await h.syncAndCollect()).toEqual([]);
    expect(eventReads()).toBe(before);
  });

  it('re-queries with overlap but turns the overlap into no events', async () => {
    h = await new Harness({ seed: 3 }).start();
    await h.syncAndCollect();
    const lists = h.apten.requests.filter((r) => r.path === '/leads');
    const last = lists.at(-1)!;
    const cursor = (await h.api('GET', '/v1/sources')).body.data[0].cursor.updatedSince as string;
    // The query starts 2 s (default overlap) before the largest updatedAt committed.
    expect(Date.parse(cursor) - Date.parse(last.query.updatedSince!)).toBe(2000);
  });
});

describe('initialSync', () => {
  it('baseline records the snapshot and emits nothing, then reports only later changes', async () => {
    h = await new Harness({ initialSync: 'baseline', seed: 4 }).start();
    expect(h.sub.received).toEqual([]);
    const [lead] = h.apten.leads();
    h.apten.updateLead(lead!.id, { isHot: true });
    const got = await h.syncAndCollect();
    expect(got.map((w) => [w.type, w.body.data.lead.id])).toEqual([['lead.updated', lead!.id]]);
    expect(got[0]!.body.data.changes).toContain('raw.isHot');
    // Baseline also read each lead's event history, so old events are not announced later.
    h.apten.addEvent(lead!.id, { type: 'CALL', data: { durationSeconds: 30 } });
    const afterCall = await h.syncAndCollect();
    expect(afterCall.filter((w) => w.type === 'event.added')).toHaveLength(1);
  });
});

describe('paging', () => {
  it('reads every page via nextToken and commits the cursor per page', async () => {
    h = await new Harness({ pageSize: 3 }).start();
    const leads = Array.from({ length: 10 }, () => h.apten.createLead());
    const got = await h.syncAndCollect();
    expect(got.map((w) => w.body.data.lead.id).sort()).toEqual(leads.map((l) => l.id).sort());
    const listCalls = h.apten.requests.filter((r) => r.path === '/leads');
    expect(listCalls.filter((r) => r.query.nextToken).length).toBeGreaterThanOrEqual(3);
    const run = (await h.api('GET', '/v1/sources')).body.data[0].lastSync.stats;
    expect(run.pages).toBeGreaterThanOrEqual(4);
  });

  it('pages through a lead\'s event feed beyond one page', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    for (let i = 0; i < 1005; i++) h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { n: i } });
    const got = await h.syncAndCollect();
    expect(got.filter((w) => w.type === 'event.added')).toHaveLength(1005);
    expect(h.apten.requests.filter((r) => r.path.endsWith('/events') && r.query.nextToken).length).toBeGreaterThanOrEqual(1);
  });
});

describe('vendor faults', () => {
  it('retries 429 (honouring Retry-After) and 500 within one run', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    h.apten.failNext(1, { status: 429, retryAfterSeconds: 1, path: 'leads' });
    h.apten.failNext(1, { status: 500, path: 'leads' });
    const got = await h.syncAndCollect();
    expect(got.map((w) => w.body.data.lead.id)).toEqual([lead.id]);
    const statuses = h.apten.requests.filter((r) => r.path === '/leads').slice(-3).map((r) => r.status);
    expect(statuses).toEqual([429, 500, 200]);
    const [r429, , r200] = h.apten.requests.filter((r) => r.path === '/leads').slice(-3);
    expect(r200!.at - r429!.at).toBeGreaterThanOrEqual(1000);
  });

  it('fails fast on 401, shows it on GET /v1/sources without the key, and recovers without a restart', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    h.apten.failNext(1, { status: 401 });
    const run = await h.sync();
    expect(run.status).toBe('error');
    expect(run.error!.code).toBe('vendor_auth_failed');
    expect(h.apten.requests.at(-1)!.status).toBe(401);
    const sources = await h.api('GET', '/v1/sources');
    expect(sources.body.data[0].lastError.code).toBe('vendor_auth_failed');
    expect(JSON.stringify(sources.body)).not.toContain(APTEN_KEY);
    expect(h.logs.join('\n')).not.toContain(APTEN_KEY);
    expect(h.sub.received).toEqual([]);

    const got = await h.syncAndCollect();
    expect(got.map((w) => w.body.data.lead.id)).toEqual([lead.id]);
    expect((await h.api('GET', '/v1/sources')).body.data[0].lastError).toBeNull();
  });

  it('rejects a page that is not JSON, applies nothing from it, and keeps the cursor', async () => {
    h = await new Harness().start();
    h.apten.createLead();
    const cursorBefore = (await h.api('GET', '/v1/sources')).body.data[0].cursor;
    h.apten.failNext(1, { status: 200, body: '<html>oops', path: 'leads' });
    const run = await h.sync();
    expect(run.error).toMatchObject({ code: 'vendor_bad_response' });
    expect(run.error!.message).toMatch(/not valid JSON/);
    expect((await h.api('GET', '/v1/sources')).body.data[0].cursor).toEqual(cursorBefore);
    expect(h.sub.received).toEqual([]);
    expect(await h.syncAndCollect()).toHaveLength(1);
  });

  it('fails the whole page when an event feed fails, then applies it completely on the next run', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    h.apten.addEvent(lead.id, { type: 'CALL', data: {} });
    h.apten.failNext(3, { status: 503, path: 'events' }); // the first try and both retries
    const run = await h.sync();
    expect(run.status).toBe('error');
    expect(run.error!.message).toContain('events');
    await h.waitIdle();
    expect(h.sub.received).toEqual([]); // no lead.created without its event: nothing half-applied
    const got = await h.syncAndCollect();
    expect(got.map((w) => w.type)).toEqual(['lead.created', 'event.added']);
  });

  it('skips a record without an id and counts it', async () => {
    h = await new Harness().start();
    const lead = h.apten.createLead();
    const body = JSON.stringify({ leads: [{ firstName: 'No Id', deleted: false }, h.apten.getLead(lead.id)], nextToken: null });
    h.apten.failNext(1, { status: 200, body, path: 'leads' });
    const run = await h.sync();
    expect(run.status).toBe('ok');
    expect(run.stats.skippedRecords).toBe(1);
    await h.waitIdle();
    expect(h.sub.accepted.map((w) => w.body.data.lead.id)).toEqual([lead.id]);
  });
});
