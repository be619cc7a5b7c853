// The Nexus ERP simulator keeps the promises of the vendor doc (src/vendors/nexus-erp/README.md "The vendor's API") over real HTTP, volatile order included.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { mulberry32 } from '../src/vendors/sim-common/random.js';
import type { SimServerHandle } from '../src/vendors/sim-common/types.js';
import {
  compareLeads,
  LEADS_PATH,
  NEXUS_STATUSES,
  NexusSimulator,
  nexusActivityStep,
  startNexusActivity,
  type NexusActivityKind,
  type NexusLead,
} from '../src/vendors/nexus-erp/sim/index.js';

const KEY = 'nx_test_key_123';
const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let t = T0;
let sim: NexusSimulator;
let server: SimServerHandle;
const extraServers: SimServerHandle[] = [];

beforeEach(async () => {
  t = T0;
  sim = new NexusSimulator({ apiKey: KEY, now: () => t, random: mulberry32(42) });
  server = await sim.listen();
});

afterEach(async () => {
  await server.close();
  while (extraServers.length > 0) await extraServers.pop()?.close();
});

type Query = Record<string, string | number | undefined>;

async function get(query: Query = {}, opts: { auth?: string | null; path?: string; url?: string } = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const url = `${opts.url ?? server.url}${opts.path ?? LEADS_PATH}${qs.size ? `?${qs}` : ''}`;
  const auth = opts.auth === undefined ? `Bearer ${KEY}` : opts.auth;
  const res = await request(url, { headers: auth === null ? {} : { authorization: auth } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

async function page(n: number, pageSize: number, query: Query = {}): Promise<any> {
  const res = await get({ ...query, page: n, pageSize });
  expect(res.status).toBe(200);
  return res.json();
}

/** What a naive client does: read page 1, then walk totalPages. */
async function scan(pageSize: number, query: Query = {}): Promise<{ ids: string[]; pages: number }> {
  const first = await page(1, pageSize, query);
  const ids: string[] = first.data.map((l: any) => l.id);
  for (let n = 2; n <= first.pagination.totalPages; n++) ids.push(...(await page(n, pageSize, query)).data.map((l: any) => l.id));
  return { ids, pages: Math.max(1, first.pagination.totalPages) };
}

/** Ten leads with calls one hour apart, so page boundaries (size 5) are known exactly. */
function tenScheduledLeads(): string[] {
  return Array.from({ length: 10 }, (_, i) => sim.createLead({ nextCallAt: iso(T0 + (i + 1) * HOUR) }));
}

describe('auth: Authorization: Bearer <key>, else 401 {"error":"Unauthorized"}', () => {
  it('rejects missing, wrong and non-Bearer credentials, before validating the query', async () => {
    for (const auth of [null, 'Bearer nope', `Bearer ${KEY}x`, KEY, `Basic ${KEY}`, 'Bearer ']) {
      const res = await get({ page: 0 }, { auth });
      expect(res.status, String(auth)).toBe(401);
      expect(res.json()).toEqual({ error: 'Unauthorized' });
    }
    expect((await get()).status).toBe(200);
    expect((await get({}, { auth: `bearer ${KEY}` })).status).toBe(200);
  });

  it('answers unknown paths with 404 {error} once authenticated', async () => {
    const res = await get({}, { path: '/api/v1/contacts' });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'Not Found' });
  });
});

describe('query validation: 400 {"error": "..."}', () => {
  it.each<[string, Query]>([
    ['page 0', { page: 0 }],
    ['page -1', { page: -1 }],
    ['page 1.5', { page: '1.5' }],
    ['page abc', { page: 'abc' }],
    ['page empty', { page: '' }],
    ['pageSize 0', { pageSize: 0 }],
    ['pageSize 101', { pageSize: 101 }],
    ['pageSize 1e2', { pageSize: '1e2' }],
    ['status in lowercase', { status: 'qualified' }],
    ['an unknown status', { status: 'WON' }],
  ])('%s', async (_name, query) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error).toBe('string');
  });

  it('accepts the bounds pageSize 1 and 100', async () => {
    sim.seed(3);
    expect((await page(1, 1)).data).toHaveLength(1);
    expect((await page(1, 100)).data).toHaveLength(3);
  });
});

describe('response shape and pagination', () => {
  it('returns the documented item fields in order, with lifelike normalised values', async () => {
    sim.seed(40);
    const body = (await get()).json();
    expect(Object.keys(body)).toEqual(['data', 'pagination']);
    for (const lead of body.data as NexusLead[]) {
      expect(Object.keys(lead)).toEqual([
        'id', 'name', 'phones', 'emails', 'primaryPhone', 'primaryEmail', 'contactId', 'company', 'source',
        'status', 'notes', 'nextCallAt', 'createdAt', 'updatedAt', 'assignedToId', 'clientId',
      ]);
      expect(lead.id).toMatch(/^[0-9a-f]{24}$/);
      expect(lead.contactId).toMatch(/^[0-9a-f]{24}$/);
      for (const p of lead.phones) expect(p).toMatch(/^\+1\d{3}55501\d\d$/);
      for (const e of lead.emails) expect(e).toMatch(/^[a-z0-9._]+@example\.(com|net|org)$/);
      expect(lead.primaryPhone).toBe(lead.phones[0] ?? null);
      expect(lead.primaryEmail).toBe(lead.emails[0] ?? null);
      expect(lead.phones.length + lead.emails.length).toBeGreaterThan(0);
      expect(NEXUS_STATUSES).toContain(lead.status);
      if (lead.company) expect(lead.name.startsWith(`${lead.company} - `)).toBe(true);
      expect(lead.createdAt).toMatch(ISO_MS);
      expect(lead.updatedAt).toMatch(ISO_MS);
      expect(Date.parse(lead.updatedAt)).toBeGreaterThanOrEqual(Date.parse(lead.createdAt));
      if (lead.nextCallAt !== null) expect(lead.nextCallAt).toMatch(ISO_MS);
      if (lead.assignedToId !== null) expect(sim.members).toContain(lead.assignedToId);
      if (lead.status === 'CONVERTED') expect(lead.clientId).toMatch(/^[0-9a-f]{24}$/);
    }
    // Enough variety that filters and ordering are exercised on seeded data too.
    const statuses = new Set(body.data.map((l: NexusLead) => l.status));
    expect(statuses.size).toBeGreaterThanOrEqual(4);
    expect(body.data.some((l: NexusLead) => l.nextCallAt === null)).toBe(true);
    expect(body.data.some((l: NexusLead) => l.assignedToId === null)).toBe(true);
  });

  it('defaults to page 1 of 50 and reports total, totalPages, hasNextPage, hasPrevPage', async () => {
    sim.seed(137);
    expect((await get()).json().pagination).toEqual({ page: 1, pageSize: 50, total: 137, totalPages: 3, hasNextPage: true, hasPrevPage: false });
    const p2 = (await get({ page: 2 })).json();
    expect(p2.data).toHaveLength(50);
    expect(p2.pagination).toMatchObject({ page: 2, hasNextPage: true, hasPrevPage: true });
    const p3 = (await get({ page: 3 })).json();
    expect(p3.data).toHaveLength(37);
    expect(p3.pagination).toMatchObject({ page: 3, hasNextPage: false, hasPrevPage: true });
    const past = (await get({ page: 4 })).json();
    expect(past.data).toEqual([]);
    expect(past.pagination).toMatchObject({ page: 4, total: 137, totalPages: 3, hasNextPage: false, hasPrevPage: true });
  });

  it('reports zero pages for an empty organisation', async () => {
    expect((await get()).json()).toEqual({
      data: [],
      pagination: { page: 1, pageSize: 50, total: 0, totalPages: 0, hasNextPage: false, hasPrevPage: false },
    });
  });

  it('walking totalPages covers every lead exactly once when nothing changes', async () => {
    sim.seed(61);
    // Equal nextCallAt and createdAt: only the id tie-break keeps these stable across pages.
    for (let i = 0; i < 6; i++) sim.createLead({ nextCallAt: iso(T0 + HOUR) });
    const { ids, pages } = await scan(7);
    expect(pages).toBe(Math.ceil(67 / 7));
    expect(ids).toEqual(sim.leadIds());
    expect(new Set(ids).size).toBe(67);
  });
});

describe('order: nextCallAt ascending (nulls last), then createdAt descending, then id', () => {
  it('lists crafted ties in the documented order', async () => {
    const call = iso(T0 + 2 * HOUR);
    const unscheduledOld = sim.createLead({ nextCallAt: null, createdAt: iso(T0 - 5 * HOUR) });
    const unscheduledNew = sim.createLead({ nextCallAt: null, createdAt: iso(T0 - HOUR) });
    const laterCall = sim.createLead({ nextCallAt: iso(T0 + 3 * HOUR), createdAt: iso(T0 - 9 * HOUR) });
    const tieOld = sim.createLead({ nextCallAt: call, createdAt: iso(T0 - 4 * HOUR) });
    const tieNew = sim.createLead({ nextCallAt: call, createdAt: iso(T0 - 2 * HOUR) });
    const overdue = sim.createLead({ nextCallAt: iso(T0 - 30 * HOUR), createdAt: iso(T0 - 40 * HOUR) });
    const sameA = sim.createLead({ id: 'aaaaaaaaaaaaaaaaaaaaaaaa', nextCallAt: call, createdAt: iso(T0 - 3 * HOUR) });
    const sameB = sim.createLead({ id: 'bbbbbbbbbbbbbbbbbbbbbbbb', nextCallAt: call, createdAt: iso(T0 - 3 * HOUR) });

    const ids = (await get()).json().data.map((l: any) => l.id);
    expect(ids).toEqual([overdue, tieNew, sameA, sameB, tieOld, laterCall, unscheduledNew, unscheduledOld]);
  });

  it('keeps seeded data in that order across pages', async () => {
    sim.seed(45);
    const { ids } = await scan(10);
    const byId = new Map(sim.leads().map((l) => [l.id, l]));
    const listed = ids.map((id) => byId.get(id) as NexusLead);
    for (let i = 1; i < listed.length; i++) expect(compareLeads(listed[i - 1] as NexusLead, listed[i] as NexusLead)).toBeLessThan(0);
  });
});

describe('filters: status, search, assignedToId', () => {
  it('filters by exact status, with total and pages reflecting the filter', async () => {
    sim.seed(80);
    for (const status of NEXUS_STATUSES) {
      const expected = sim.leads().filter((l) => l.status === status).map((l) => l.id);
      const { ids } = await scan(9, { status });
      expect(ids, status).toEqual(expected);
      expect((await get({ status })).json().pagination.total).toBe(expected.length);
    }
  });

  it('searches name, email, phone and company case-insensitively', async () => {
    sim.seed(20);
    const byName = sim.createLead({ name: 'Quillfeather Studio - Zanzibar Quist', company: 'Quillfeather Studio' });
    const byEmail = sim.createLead({ emails: ['Zed.Marlowe@Example.org'], company: null, name: 'Zed Marlowe' });
    const byPhone = sim.createLead({ phones: ['+13125550177', '+16175550188'] });
    const byCompany = sim.createLead({ company: 'Zylophone Acoustics', name: 'Ola Berg' });

    const ids = async (search: string) => (await get({ search })).json().data.map((l: any) => l.id);
    expect(await ids('zanzibar')).toEqual([byName]);
    expect(await ids('QUILLFEATHER')).toEqual([byName]);
    expect(await ids('zed.marlowe@example')).toEqual([byEmail]);
    expect(sim.getLead(byEmail)?.primaryEmail).toBe('zed.marlowe@example.org');
    expect(await ids('6175550188')).toEqual([byPhone]);
    expect(await ids('zylophone')).toEqual([byCompany]);
    expect(await ids('no-such-thing-anywhere')).toEqual([]);
  });

  it('filters by owner, and "unassigned" finds leads with no owner', async () => {
    sim.seed(60);
    const member = sim.members[0] as string;
    const owned = (await scan(100, { assignedToId: member })).ids;
    expect(owned).toEqual(sim.leads().filter((l) => l.assignedToId === member).map((l) => l.id));
    expect(owned.length).toBeGreaterThan(0);
    const unassigned = (await scan(100, { assignedToId: 'unassigned' })).ids;
    expect(unassigned).toEqual(sim.leads().filter((l) => l.assignedToId === null).map((l) => l.id));
    expect(unassigned.length).toBeGreaterThan(0);
    expect((await get({ assignedToId: 'ffffffffffffffffffffffff' })).json().pagination.total).toBe(0);
  });

  it('combines filters', async () => {
    sim.seed(80);
    const member = sim.members[1] as string;
    const expected = sim.leads().filter((l) => l.status === 'CONTACTED' && l.assignedToId === member).map((l) => l.id);
    expect((await scan(100, { status: 'CONTACTED', assignedToId: member })).ids).toEqual(expected);
  });
});

describe('hard deletes', () => {
  it('removes the lead from every listing, with no tombstone', async () => {
    const ids = sim.seed(12);
    const gone = ids[3] as string;
    t += 1000;
    sim.deleteLead(gone);
    const body = (await get()).json();
    expect(body.pagination.total).toBe(11);
    expect(body.data.map((l: any) => l.id)).not.toContain(gone);
    expect((await get({ search: gone })).json().data).toEqual([]);
    expect(sim.leadIds()).not.toContain(gone);
    expect(sim.getLead(gone)).toBeUndefined();
    expect(sim.changes.at(-1)).toEqual({ kind: 'lead.deleted', leadId: gone, at: iso(T0 + 1000) });
    expect(() => sim.deleteLead(gone)).toThrow(/unknown/);
  });
});

describe('volatile order: a reschedule between page requests repeats one lead and skips another', () => {
  it('rescheduleToBack of a lead already read: it shows up twice, and the next lead is never seen', async () => {
    const ids = tenScheduledLeads();
    const p1 = (await page(1, 5)).data.map((l: any) => l.id);
    expect(p1).toEqual(ids.slice(0, 5));

    t += 60_000;
    const moved = sim.rescheduleToBack(ids[0] as string);
    expect(Date.parse(moved.nextCallAt as string)).toBeGreaterThan(T0 + 10 * HOUR);
    expect(moved.updatedAt).toBe(iso(t));

    const p2 = (await page(2, 5)).data.map((l: any) => l.id);
    expect(p2).toEqual([...ids.slice(6, 10), ids[0]]);
    const scanned = [...p1, ...p2];
    expect(scanned.filter((id) => id === ids[0])).toHaveLength(2); // duplicate
    expect(scanned).not.toContain(ids[5]); // skipped, though it never changed
    expect(sim.leadIds()).toContain(ids[5]);
  });

  it('rescheduleToFront of a lead not yet read: it is skipped, and the last lead read repeats', async () => {
    const ids = tenScheduledLeads();
    const p1 = (await page(1, 5)).data.map((l: any) => l.id);

    const moved = sim.rescheduleToFront(ids[7] as string);
    expect(Date.parse(moved.nextCallAt as string)).toBeLessThanOrEqual(T0);

    const p2 = (await page(2, 5)).data.map((l: any) => l.id);
    expect(p2).toEqual([ids[4], ids[5], ids[6], ids[8], ids[9]]);
    const scanned = [...p1, ...p2];
    expect(scanned).not.toContain(ids[7]); // skipped
    expect(scanned.filter((id) => id === ids[4])).toHaveLength(2); // duplicate
    expect(sim.leadIds()[0]).toBe(ids[7]);
  });

  it('shiftOrder reschedules one lead to a new future slot, bumps updatedAt and logs lead.updated', () => {
    sim.seed(20);
    t += 5000;
    const before = sim.leads();
    const id = sim.shiftOrder() as string;
    const old = before.find((l) => l.id === id) as NexusLead;
    const now = sim.getLead(id) as NexusLead;
    expect(now.nextCallAt).not.toBe(old.nextCallAt);
    expect(Date.parse(now.nextCallAt as string)).toBeGreaterThan(t);
    expect(new Date(Date.parse(now.nextCallAt as string)).getUTCMinutes() % 15).toBe(0);
    expect(now.updatedAt).toBe(iso(t));
    expect({ ...now, nextCallAt: old.nextCallAt, updatedAt: old.updatedAt }).toEqual(old);
    expect(sim.changes.at(-1)).toEqual({ kind: 'lead.updated', leadId: id, at: iso(t) });
    expect(new NexusSimulator({ apiKey: KEY }).shiftOrder()).toBeUndefined();
  });

  it('volatility is the per-request chance of such a reschedule (0: never, 1: every list request)', async () => {
    sim.seed(30);
    const quiet = sim.changes.length;
    await scan(10);
    expect(sim.changes.length).toBe(quiet);

    sim.volatility = 1;
    const { pages } = await scan(10);
    const moved = sim.changes.slice(quiet);
    expect(moved).toHaveLength(pages);
    expect(moved.every((c) => c.kind === 'lead.updated')).toBe(true);
    expect(() => new NexusSimulator({ apiKey: KEY, volatility: 1.5 })).toThrow(RangeError);
  });

  it('with high volatility a real scan of many pages goes wrong in both ways at least sometimes', async () => {
    sim.seed(40);
    sim.volatility = 1;
    let dupes = 0;
    let skips = 0;
    for (let i = 0; i < 6; i++) {
      const { ids } = await scan(5);
      dupes += ids.length - new Set(ids).size;
      skips += sim.leadIds().filter((id) => !ids.includes(id)).length;
    }
    expect(dupes).toBeGreaterThan(0);
    expect(skips).toBeGreaterThan(0);
  });
});

describe('test controls', () => {
  it('failNext answers the next n matching requests (after auth) with the fault, default body {error}', async () => {
    sim.seed(3);
    sim.failNext(2, { status: 503 });
    expect((await get({}, { auth: 'Bearer wrong' })).status).toBe(401); // does not consume the fault
    for (let i = 0; i < 2; i++) {
      const res = await get();
      expect(res.status).toBe(503);
      expect(res.json()).toEqual({ error: 'Service Unavailable' });
    }
    expect((await get()).status).toBe(200);

    sim.failNext(1, { status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html', retryAfterSeconds: 7 });
    const html = await get();
    expect(html.status).toBe(502);
    expect(html.text).toBe('<html>Bad gateway</html>');
    expect(html.headers['content-type']).toBe('text/html');
    expect(html.headers['retry-after']).toBe('7');

    sim.failNext(1, { status: 403, path: '/api/v1/clients' });
    expect((await get()).status).toBe(200); // path does not match
    sim.failNext(1, { status: 403, path: '/leads' });
    expect((await get()).json()).toEqual({ error: 'Forbidden' });
    expect((await get()).status).toBe(200);
  });

  it('rate limits are off by default; configured, they answer 429 {error} with Retry-After until the window resets', async () => {
    for (let i = 0; i < 20; i++) expect((await get()).status).toBe(200);

    const limited = new NexusSimulator({ apiKey: KEY, now: () => t, random: mulberry32(1), rateLimits: [{ limit: 3, windowMs: 10_000 }] });
    const h = await limited.listen();
    extraServers.push(h);
    for (let i = 0; i < 3; i++) expect((await get({}, { url: h.url })).status).toBe(200);
    t += 4000;
    const refused = await get({}, { url: h.url });
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({ error: 'Too Many Requests' });
    expect(refused.headers['retry-after']).toBe('6');
    t += 6000;
    expect((await get({}, { url: h.url })).status).toBe(200);
  });

  it('logs every request with method, path, query, status and time', async () => {
    await get({ page: 2, pageSize: 10, status: 'LOST' });
    t += 1000;
    await get({}, { auth: null });
    await get({ pageSize: 500 });
    expect(sim.requests).toEqual([
      { method: 'GET', path: LEADS_PATH, query: { page: '2', pageSize: '10', status: 'LOST' }, status: 200, at: T0 },
      { method: 'GET', path: LEADS_PATH, query: {}, status: 401, at: T0 + 1000 },
      { method: 'GET', path: LEADS_PATH, query: { pageSize: '500' }, status: 400, at: T0 + 1000 },
    ]);
  });

  it('sourceConfig points the relay at the simulator', () => {
    expect(sim.vendor).toBe('nexus-erp');
    expect(sim.sourceConfig(server.url)).toEqual({ vendor: 'nexus-erp', baseUrl: server.url, apiKey: KEY });
  });
});

describe('lead lifecycle controls', () => {
  it('createLead records lead.created with a fresh NOT_CONTACTED lead, honouring overrides and normalising them', () => {
    const id = sim.createLead({ company: 'Contoso Ltd', emails: ['Ann.Lee@Example.COM'], phones: ['+14155550101'] });
    const lead = sim.getLead(id) as NexusLead;
    expect(lead).toMatchObject({ status: 'NOT_CONTACTED', notes: null, company: 'Contoso Ltd', emails: ['ann.lee@example.com'], primaryEmail: 'ann.lee@example.com', primaryPhone: '+14155550101', createdAt: iso(T0), updatedAt: iso(T0) });
    expect(lead.name.startsWith('Contoso Ltd - ')).toBe(true);
    expect(sim.changes).toEqual([{ kind: 'lead.created', leadId: id, at: iso(T0) }]);
    expect(() => sim.createLead({ stage: 'hot' })).toThrow(/not a Nexus ERP lead field/);
    expect(() => sim.createLead({ status: 'WON' })).toThrow(/status/);
    expect(() => sim.createLead({ phones: ['415-555-0101'] })).toThrow(/E\.164/);
  });

  it('updateLead bumps updatedAt, refuses vendor-managed fields, and a no-op bumps nothing', () => {
    const id = sim.createLead();
    t += 1000;
    const edited = sim.updateLead(id, { source: 'trade show' });
    expect(edited.updatedAt).toBe(iso(T0 + 1000));
    t += 1000;
    expect(sim.updateLead(id, { source: 'trade show' }).updatedAt).toBe(iso(T0 + 1000));
    for (const field of ['id', 'createdAt', 'updatedAt'] as const) {
      expect(() => sim.updateLead(id, { [field]: 'x' })).toThrow(new RegExp(field));
    }
    // Returned leads are copies.
    edited.notes = 'mutated';
    expect(sim.getLead(id)?.notes).toBeNull();
    expect(() => sim.updateLead('nope', {})).toThrow(/unknown/);
  });

  it('touchLead makes a realistic status or notes change and bumps updatedAt', () => {
    const ids = sim.seed(15);
    const kinds = new Set<string>();
    for (const id of ids) {
      const before = sim.getLead(id) as NexusLead;
      t += 1000;
      sim.touchLead(id);
      const after = sim.getLead(id) as NexusLead;
      expect(after.updatedAt).toBe(iso(t));
      expect(after.status !== before.status || after.notes !== before.notes).toBe(true);
      if (after.status !== before.status) kinds.add('status');
      if (after.notes !== before.notes) kinds.add('notes');
      if (after.status === 'CONVERTED' || after.status === 'LOST') expect(after.nextCallAt).toBeNull();
    }
    expect(kinds).toEqual(new Set(['status', 'notes']));
  });

  it('is reproducible from the seed', () => {
    const a = new NexusSimulator({ apiKey: KEY, now: () => T0, random: mulberry32(7) });
    const b = new NexusSimulator({ apiKey: KEY, now: () => T0, random: mulberry32(7) });
    a.seed(10);
    b.seed(10);
    expect(a.leads()).toEqual(b.leads());
  });
});

describe('activity', () => {
  it('steps through lifelike changes, including reschedules and the occasional hard delete', () => {
    sim.seed(20);
    const rnd = mulberry32(3);
    const seen = new Set<NexusActivityKind>();
    for (let i = 0; i < 300; i++) {
      t += 1000;
      seen.add(nexusActivityStep(sim, rnd));
    }
    expect(seen).toEqual(new Set(['lead.new', 'lead.status', 'lead.notes', 'lead.reschedule', 'lead.assign', 'lead.contact', 'lead.delete']));
    expect(sim.changes.filter((c) => c.kind === 'lead.deleted').length).toBeGreaterThan(0);
    for (const lead of sim.leads()) {
      expect(lead.primaryPhone).toBe(lead.phones[0] ?? null);
      expect(lead.primaryEmail).toBe(lead.emails[0] ?? null);
    }
  });

  it('startNexusActivity runs on a timer until stopped', async () => {
    const activity = startNexusActivity(sim, { everyMs: 5, random: mulberry32(9) });
    await new Promise((r) => setTimeout(r, 60));
    activity.stop();
    const count = sim.changes.length;
    expect(count).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.changes.length).toBe(count);
  });
});

// The listing keeps the sorted order between changes (a 100k-lead scan re-sorted everything per page).
describe('cached order', () => {
  it('equals a fresh compareLeads sort after every kind of change', () => {
    const s = new NexusSimulator({ apiKey: KEY, random: mulberry32(11), now: () => T0 });
    const ids = s.seed(300);
    const fresh = () => s.leads().sort(compareLeads).map((l) => l.id);
    expect(s.leadIds()).toEqual(fresh());
    s.rescheduleToFront(ids[150]!);
    expect(s.leadIds()).toEqual(fresh());
    s.rescheduleToBack(ids[0]!);
    s.updateLead(ids[7]!, { nextCallAt: null });
    s.deleteLead(ids[9]!);
    const added = s.createLead({ nextCallAt: iso(T0 + HOUR) });
    ids.push(added);
    expect(s.leadIds()).toEqual(fresh());
    expect(s.leadIds()).toContain(added);
    expect(s.leadIds()).not.toContain(ids[9]);
  });
});
