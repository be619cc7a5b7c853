// The Apten simulator keeps the promises of the vendor docs (src/vendors/apten/README.md "The vendor's API") over real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  AptenSimulator,
  aptenActivityStep,
  decodeNextToken,
  mulberry32,
  startAptenActivity,
  type AptenActivityKind,
  type AptenServerHandle,
} from '../src/vendors/apten/sim/index.js';

const KEY = 'test-key-123';
const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let t = T0;
let sim: AptenSimulator;
let server: AptenServerHandle;

beforeEach(async () => {
  t = T0;
  sim = new AptenSimulator({ apiKey: KEY, orgId: 'org_123', now: () => t, random: mulberry32(42) });
  server = await sim.listen();
});

afterEach(async () => {
  await server.close();
});

type Query = Record<string, string | number | undefined>;

async function get(path: string, query: Query = {}, key: string | null = KEY) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const url = `${server.url}${path}${qs.size ? `?${qs}` : ''}`;
  const res = await request(url, { headers: key === null ? {} : { 'x-api-key': key } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

async function allLeadPages(query: Query): Promise<{ ids: string[]; pages: number; leads: any[] }> {
  const leads: any[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const res = await get('/leads', { ...query, nextToken });
    expect(res.status).toBe(200);
    const body = res.json();
    leads.push(...body.leads);
    nextToken = body.nextToken ?? undefined;
    pages++;
  } while (nextToken && pages < 100);
  return { ids: leads.map((l) => l.id), pages, leads };
}

function expectAscending(items: Array<{ id: string }>, field: string) {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1] as any;
    const b = items[i] as any;
    const ta = Date.parse(a[field]);
    const tb = Date.parse(b[field]);
    expect(ta < tb || (ta === tb && a.id < b.id), `${a.id} before ${b.id}`).toBe(true);
  }
}

describe('auth: x-api-key must match, else 401 {message}', () => {
  it('rejects a missing or wrong key on both endpoints and accepts the right one', async () => {
    const lead = sim.createLead();
    for (const key of [null, 'nope', `${KEY}x`]) {
      const a = await get('/leads', { updatedSince: iso(0) }, key);
      expect(a.status).toBe(401);
      expect(a.json()).toEqual({ message: 'Unauthorized' });
      const b = await get(`/leads/${lead.id}/events`, { since: iso(0) }, key);
      expect(b.status).toBe(401);
    }
    expect((await get('/leads', { updatedSince: iso(0) })).status).toBe(200);
  });
});

describe('GET /leads: query validation answers 400 {message}', () => {
  it.each<[string, Query]>([
    ['neither updatedSince nor createdSince', {}],
    ['a date without a time', { updatedSince: '2026-05-01' }],
    ['an impossible date', { updatedSince: '2026-02-30T00:00:00Z' }],
    ['free text', { createdSince: 'yesterday' }],
    ['limit 0', { updatedSince: iso(0), limit: 0 }],
    ['limit 1001', { updatedSince: iso(0), limit: 1001 }],
    ['limit 1.5', { updatedSince: iso(0), limit: '1.5' }],
    ['limit abc', { updatedSince: iso(0), limit: 'abc' }],
    ['a nextToken that is not base64', { updatedSince: iso(0), nextToken: 'not a token!' }],
    ['a nextToken without searchAfter', { updatedSince: iso(0), nextToken: Buffer.from('{"foo":1}').toString('base64') }],
  ])('%s', async (_name, query) => {
    const res = await get('/leads', query);
    expect(res.status).toBe(400);
    expect(typeof res.json().message).toBe('string');
  });

  it('accepts the epoch without milliseconds, offsets, and limit 1000', async () => {
    for (const q of [{ updatedSince: '1970-01-01T00:00:00Z' }, { createdSince: '2026-05-01T14:00:00+02:00', limit: 1000 }]) {
      expect((await get('/leads', q)).status).toBe(200);
    }
  });
});

describe('GET /leads: inclusive >= filter, ascending by the chosen timestamp, ties by id', () => {
  it('includes leads exactly at the cursor and orders ties by id', async () => {
    const a = sim.createLead();
    t += 1000;
    const b = sim.createLead();
    const c = sim.createLead(); // same millisecond as b: equal timestamps are normal
    t += 1000;
    const d = sim.createLead();

    const res = await get('/leads', { updatedSince: iso(T0 + 1000) });
    const ids = res.json().leads.map((l: any) => l.id);
    expect(ids).toEqual([...[b.id, c.id].sort(), d.id]);
    expect(ids).not.toContain(a.id);
    expect(res.json().nextToken).toBeNull();
  });

  it('sorts by updatedAt with updatedSince, by createdAt with only createdSince', async () => {
    const a = sim.createLead();
    t += 1000;
    const b = sim.createLead();
    t += 1000;
    sim.updateLead(a.id, { isHot: true });

    const byUpdated = (await get('/leads', { updatedSince: iso(0) })).json().leads;
    expect(byUpdated.map((l: any) => l.id)).toEqual([b.id, a.id]);
    const byCreated = (await get('/leads', { createdSince: iso(0) })).json().leads;
    expect(byCreated.map((l: any) => l.id)).toEqual([a.id, b.id]);
    const both = (await get('/leads', { createdSince: iso(T0 + 1000), updatedSince: iso(0) })).json().leads;
    expect(both.map((l: any) => l.id)).toEqual([b.id]);
  });

  it('returns the documented incrementalLead shape with millisecond ISO timestamps', async () => {
    sim.seed(3, { eventsPerLead: 2 });
    const [lead] = (await get('/leads', { updatedSince: iso(0) })).json().leads;
    expect(Object.keys(lead)).toEqual([
      'id', 'firstName', 'lastName', 'phone', 'email', 'customerProfile', 'createdAt', 'updatedAt', 'lastActivityAt',
      'additionalInfo', 'hasReplied', 'isHot', 'isQualified', 'isUnsubscribed', 'isUnsubscribedEmail', 'isAiOn',
      'summary', 'tags', 'externalLeadId', 'deleted', 'deletedAt',
    ]);
    expect(lead.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lead.phone).toMatch(/^\+1\d{10}$/);
    expect(lead.deleted).toBe(false);
  });
});

describe('GET /leads: nextToken pages through everything exactly once', () => {
  it('visits every lead once across many pages, ties included, and ends with null', async () => {
    sim.seed(57);
    for (let i = 0; i < 10; i++) sim.createLead(); // ten leads sharing one updatedAt
    const { ids, pages, leads } = await allLeadPages({ updatedSince: '1970-01-01T00:00:00Z', limit: 7 });
    expect(pages).toBe(Math.ceil(67 / 7));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(sim.leads().map((l) => l.id).sort());
    expectAscending(leads, 'updatedAt');
  });

  it('encodes the token as base64 {"searchAfter":[timestamp, id]} of the last item', async () => {
    sim.seed(5);
    const body = (await get('/leads', { updatedSince: iso(0), limit: 2 })).json();
    const last = body.leads[1];
    expect(JSON.parse(Buffer.from(body.nextToken, 'base64').toString())).toEqual({ searchAfter: [last.updatedAt, last.id] });
    expect(decodeNextToken(body.nextToken)).toEqual({ ms: Date.parse(last.updatedAt), id: last.id });
  });

  it('gives null instead of a trailing empty page when the last page is exactly full', async () => {
    for (let i = 0; i < 10; i++) sim.createLead();
    const { pages, ids } = await allLeadPages({ updatedSince: iso(0), limit: 5 });
    expect(pages).toBe(2);
    expect(ids).toHaveLength(10);
  });

  it('shows a lead changed mid-scan again at the end, because its updatedAt moved past the cursor', async () => {
    sim.seed(6);
    const first = (await get('/leads', { updatedSince: iso(0), limit: 3 })).json();
    t += 1000;
    sim.updateLead(first.leads[0].id, { summary: 'changed while paging' });
    const second = (await get('/leads', { updatedSince: iso(0), limit: 3, nextToken: first.nextToken })).json();
    const rest = await allLeadPages({ updatedSince: iso(0), limit: 3, nextToken: second.nextToken ?? undefined });
    const tail = second.nextToken ? rest.leads : second.leads;
    expect(tail.at(-1).id).toBe(first.leads[0].id);
  });
});

describe('lead lifecycle: updatedAt moves on any change, lastActivityAt only on activity and soft delete', () => {
  it('profile edits bump updatedAt only; a no-op edit bumps nothing', async () => {
    const lead = sim.createLead();
    expect(lead.lastActivityAt).toBeNull();
    t += 1000;
    const edited = sim.updateLead(lead.id, { tags: [{ id: 'tag_x', name: 'X', condition: 'c' }] });
    expect(edited.updatedAt).toBe(iso(T0 + 1000));
    expect(edited.lastActivityAt).toBeNull();
    t += 1000;
    expect(sim.updateLead(lead.id, { tags: edited.tags }).updatedAt).toBe(iso(T0 + 1000));
    expect(() => sim.updateLead(lead.id, { deleted: true })).toThrow(/deleteLead/);
  });

  it('soft delete keeps the lead listed, scrubs PII and bumps both timestamps', async () => {
    const lead = sim.createLead({ firstName: 'John', lastName: 'Doe', email: 'john.doe@example.com' });
    sim.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'INBOUND', content: { text: 'hi' } } });
    t += 5000;
    sim.deleteLead(lead.id);

    const [got] = (await get('/leads', { updatedSince: iso(T0 + 5000) })).json().leads;
    expect(got).toMatchObject({
      id: lead.id,
      deleted: true,
      deletedAt: iso(T0 + 5000),
      updatedAt: iso(T0 + 5000),
      lastActivityAt: iso(T0 + 5000),
      firstName: null,
      lastName: null,
      phone: null,
      email: null,
    });
    expect(got.customerProfile).toBe(lead.customerProfile);
    expect((await get(`/leads/${lead.id}/events`, { since: iso(0) })).json().events).toHaveLength(1);
  });

  it('restore undeletes and bumps updatedAt but not lastActivityAt; PII stays scrubbed', async () => {
    const lead = sim.createLead();
    t += 1000;
    sim.deleteLead(lead.id);
    t += 1000;
    const restored = sim.restoreLead(lead.id);
    expect(restored).toMatchObject({ deleted: false, deletedAt: null, updatedAt: iso(T0 + 2000), lastActivityAt: iso(T0 + 1000), email: null });
    expect(sim.changes.map((c) => c.kind)).toEqual(['lead.created', 'lead.deleted', 'lead.restored']);
  });
});

describe('GET /leads/:leadId/events: since (inclusive), ascending by updatedAt, nextToken, types', () => {
  it('answers 404 for an unknown lead and 400 without a valid since', async () => {
    const lead = sim.createLead();
    const missing = await get('/leads/room_nope/events', { since: iso(0) });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'Lead not found' });
    expect((await get(`/leads/${lead.id}/events`)).status).toBe(400);
    expect((await get(`/leads/${lead.id}/events`, { since: 'now' })).status).toBe(400);
    expect((await get(`/leads/${lead.id}/events`, { since: iso(0), limit: 0 })).status).toBe(400);
    expect((await get(`/leads/${lead.id}/events`, { since: iso(0), nextToken: 'x' })).status).toBe(400);
  });

  it('pages through every event once in (updatedAt, id) order and honours since >=', async () => {
    const lead = sim.createLead();
    const types = ['MESSAGE', 'CALL', 'EMAIL', 'COMPLIANCE_BLOCKED', 'VOICEMAIL_DROP'];
    for (let i = 0; i < 15; i++) {
      if (i % 3 === 0) t += 1000; // three events per millisecond: ties on updatedAt
      sim.addEvent(lead.id, { type: types[i % types.length]!, data: { n: i } });
    }
    const seen: any[] = [];
    let nextToken: string | undefined;
    do {
      const body = (await get(`/leads/${lead.id}/events`, { since: iso(0), limit: 4, nextToken })).json();
      seen.push(...body.events);
      nextToken = body.nextToken ?? undefined;
    } while (nextToken);
    expect(seen).toHaveLength(15);
    expect(new Set(seen.map((e) => e.id)).size).toBe(15);
    expectAscending(seen, 'updatedAt');
    expect(seen.map((e) => e.type)).toContain('VOICEMAIL_DROP');
    expect(Object.keys(seen[0])).toEqual(['id', 'roomId', 'orgId', 'type', 'timestamp', 'updatedAt', 'data']);
    expect(seen[0]).toMatchObject({ roomId: lead.id, orgId: 'org_123' });

    const since = (await get(`/leads/${lead.id}/events`, { since: iso(T0 + 4000) })).json().events;
    expect(since).toHaveLength(6);
    expect(since.every((e: any) => Date.parse(e.updatedAt) >= T0 + 4000)).toBe(true);
  });

  it('filters by types after cutting the page, so pages can be short yet paging stays complete', async () => {
    const lead = sim.createLead();
    for (let i = 0; i < 12; i++) {
      t += 10;
      sim.addEvent(lead.id, { type: i % 4 === 0 ? 'COMPLIANCE_BLOCKED' : 'MESSAGE' });
    }
    const first = (await get(`/leads/${lead.id}/events`, { since: iso(0), limit: 4, types: 'COMPLIANCE_BLOCKED,CALL' })).json();
    expect(first.events).toHaveLength(1);
    expect(first.nextToken).not.toBeNull();
    const blocked: any[] = [...first.events];
    let nextToken: string | undefined = first.nextToken;
    while (nextToken) {
      const body = (await get(`/leads/${lead.id}/events`, { since: iso(0), limit: 4, types: 'COMPLIANCE_BLOCKED,CALL', nextToken })).json();
      blocked.push(...body.events);
      nextToken = body.nextToken ?? undefined;
    }
    expect(blocked.map((e) => e.type)).toEqual(['COMPLIANCE_BLOCKED', 'COMPLIANCE_BLOCKED', 'COMPLIANCE_BLOCKED']);
  });
});

describe('event edits: a status change bumps the event and the lead', () => {
  it('moves event.updatedAt, lead.updatedAt and lead.lastActivityAt, keeps timestamp', async () => {
    const lead = sim.createLead();
    const msg = sim.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'OUTBOUND', content: { text: 'Hi' }, status: 'SENT' } });
    sim.addEvent(lead.id, { type: 'CALL' });
    t += 60_000;
    sim.editEvent(lead.id, msg.id, { status: 'DELIVERED' });

    const events = (await get(`/leads/${lead.id}/events`, { since: iso(T0 + 60_000) })).json().events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: msg.id, timestamp: iso(T0), updatedAt: iso(T0 + 60_000) });
    expect(events[0].data).toEqual({ direction: 'OUTBOUND', content: { text: 'Hi' }, status: 'DELIVERED' });
    const [l] = (await get('/leads', { updatedSince: iso(T0 + 60_000) })).json().leads;
    expect(l).toMatchObject({ id: lead.id, updatedAt: iso(T0 + 60_000), lastActivityAt: iso(T0 + 60_000) });
    expect(sim.changes.at(-1)).toEqual({ kind: 'event.updated', leadId: lead.id, eventId: msg.id, at: iso(T0 + 60_000) });
  });
});

describe('failNext: injected faults', () => {
  it('serves 429 with Retry-After to the next n requests, then recovers', async () => {
    sim.failNext(2, { status: 429, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const res = await get('/leads', { updatedSince: iso(0) });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.json()).toEqual({ message: 'Too Many Requests' });
    }
    expect((await get('/leads', { updatedSince: iso(0) })).status).toBe(200);
  });

  it('targets one endpoint when path is given, and can send garbage', async () => {
    const lead = sim.createLead();
    sim.failNext(1, { status: 200, body: '{"events":[{"id":', path: 'events' });
    expect((await get('/leads', { updatedSince: iso(0) })).status).toBe(200);
    const broken = await get(`/leads/${lead.id}/events`, { since: iso(0) });
    expect(broken.status).toBe(200);
    expect(() => broken.json()).toThrow();
    expect((await get(`/leads/${lead.id}/events`, { since: iso(0) })).json().events).toEqual([]);
  });

  it('answers 401 before a fault, without using it up', async () => {
    sim.failNext(1, { status: 500 });
    expect((await get('/leads', { updatedSince: iso(0) }, 'bad')).status).toBe(401);
    const res = await get('/leads', { updatedSince: iso(0) });
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('requests log', () => {
  it('records method, path, query, status and time of every request served', async () => {
    t += 123;
    await get('/leads', { updatedSince: iso(0), limit: 5 });
    await get('/leads', {}, null);
    await get('/leads/room_x/events', { since: iso(0) });
    expect(sim.requests).toEqual([
      { method: 'GET', path: '/leads', query: { updatedSince: iso(0), limit: '5' }, status: 200, at: T0 + 123 },
      { method: 'GET', path: '/leads', query: {}, status: 401, at: T0 + 123 },
      { method: 'GET', path: '/leads/room_x/events', query: { since: iso(0) }, status: 404, at: T0 + 123 },
    ]);
  });
});

describe('seed and activity', () => {
  it('seeds backdated, lifelike leads whose lastActivityAt matches their newest event', () => {
    const leads = sim.seed(20, { eventsPerLead: 3 });
    for (const lead of leads) {
      const events = sim.events(lead.id);
      expect(events).toHaveLength(3);
      expect(Date.parse(lead.createdAt)).toBeLessThan(T0);
      expect(lead.lastActivityAt).toBe(events.map((e) => e.updatedAt).sort().at(-1));
      expect(lead.email ?? 'x@example.com').toMatch(/@(mail\.)?example\.(com|net|org)$/);
    }
  });

  it('is deterministic for a given seed, covers every kind of change, and keeps the timestamp rules', () => {
    const run = () => {
      let clock = T0;
      const s = new AptenSimulator({ apiKey: KEY, now: () => (clock += 250), random: mulberry32(7) });
      const rnd = mulberry32(99);
      const kinds = new Set<AptenActivityKind>();
      for (let i = 0; i < 600; i++) kinds.add(aptenActivityStep(s, rnd));
      return { s, kinds };
    };
    const a = run();
    const b = run();
    expect(a.s.leads()).toEqual(b.s.leads());
    expect(a.s.changes).toEqual(b.s.changes);
    expect([...a.kinds].sort()).toEqual(
      ['call', 'compliance', 'email', 'lead.delete', 'lead.edit', 'lead.new', 'lead.restore', 'message.inbound', 'message.outbound', 'message.status', 'voicemail'],
    );
    for (const lead of a.s.leads()) {
      const newest = a.s.events(lead.id).map((e) => e.updatedAt).sort().at(-1);
      if (newest && !lead.deleted) expect(lead.lastActivityAt! >= newest).toBe(true);
      if (lead.lastActivityAt) expect(lead.updatedAt >= lead.lastActivityAt).toBe(true);
      if (lead.deleted) expect([lead.firstName, lead.lastName, lead.phone, lead.email]).toEqual([null, null, null, null]);
    }
    const replied = a.s.leads().filter((l) => a.s.events(l.id).some((e) => e.type === 'MESSAGE' && e.data.direction === 'INBOUND'));
    expect(replied.length).toBeGreaterThan(0);
    expect(replied.every((l) => l.hasReplied)).toBe(true);
  });

  it('runs on a timer until stopped', async () => {
    const activity = startAptenActivity(sim, { everyMs: 2, random: mulberry32(1) });
    await new Promise((r) => setTimeout(r, 40));
    activity.stop();
    const count = sim.changes.length;
    expect(count).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.changes.length).toBe(count);
  });
});

// GET /leads reads a cached (timestamp, id) index instead of filtering and sorting every lead per page.
describe('indexed listing', () => {
  it('pages exactly as keysetPage over the filtered leads, for either timestamp and a mix of both', async () => {
    const { keysetPage, keysetPageSorted, sortKeyed } = await import('../src/vendors/apten/sim/paging.js');
    const s = new AptenSimulator({ apiKey: KEY, random: mulberry32(5), now: () => T0 });
    const leads = s.seed(120, { eventsPerLead: 0 });
    // Ties on the timestamp, so the id tie-break is exercised.
    for (const l of leads.slice(0, 30)) s.updateLead(l.id, { summary: 'tie' });
    const all = s.leads();
    for (const field of ['updatedAt', 'createdAt'] as const) {
      const fromMs = Date.parse(all[40]![field]);
      const createdMs = Date.parse(all[60]!.createdAt);
      for (const keep of [() => true, (l: (typeof all)[number]) => Date.parse(l.createdAt) >= createdMs]) {
        const filtered = all.filter((l) => Date.parse(l[field]) >= fromMs && keep(l));
        let after: { ms: number; id: string } | undefined;
        for (let page = 0; page < 50; page++) {
          const want = keysetPage(filtered, (l) => l[field], after, 7);
          const got = keysetPageSorted(sortKeyed(all, (l) => l[field]), (l) => l[field], fromMs, keep, after, 7);
          expect(got).toEqual(want);
          if (!want.nextToken) break;
          after = decodeNextToken(want.nextToken);
        }
      }
    }
  });
});
