// The MEGA simulator keeps the promises of the vendor doc (src/vendors/mega/README.md "The vendor's API") over real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  DEFAULT_MEGA_CUSTOMER_ID,
  MEGA_LEADS_PATH,
  MEGA_STAGES,
  MegaSimulator,
  megaActivityStep,
  mulberry32,
  startMegaActivity,
  type MegaActivityKind,
  type MegaSimulatorOptions,
} from '../src/vendors/mega/sim/index.js';
import type { SimServerHandle } from '../src/vendors/sim-common/types.js';

const KEY = `mega_${'ab12'.repeat(16)}`;
const CUSTOMER = '0d9c6a52-1f3e-4b7a-9c2d-8e5f4a3b2c1d';
const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const LEAD_KEYS = [
  'id', 'customer_id', 'source_platform', 'source_type', 'status', 'created_at', 'updated_at', 'contact_name',
  'contact_phone', 'contact_email', 'score', 'qualified', 'current_stage', 'owner', 'last_interaction_at',
  'interaction_count', 'custom_fields',
];

let t = T0;
let sim: MegaSimulator;
let server: SimServerHandle;

async function start(opts: MegaSimulatorOptions = {}) {
  sim = new MegaSimulator({ apiKey: KEY, customerId: CUSTOMER, now: () => t, random: mulberry32(7), rateLimits: [], ...opts });
  server = await sim.listen();
}

beforeEach(async () => {
  t = T0;
  await start();
});

afterEach(async () => {
  await server.close();
});

type Query = Record<string, string | number | boolean | undefined>;

async function get(path: string, query: Query = {}, headers: Record<string, string> = { authorization: `Bearer ${KEY}`, 'x-customer-id': CUSTOMER }) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const res = await request(`${server.url}${path}${qs.size ? `?${qs}` : ''}`, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

const leads = (query: Query = {}) => get(MEGA_LEADS_PATH, query);

/** Follows next_cursor to the end; `between` runs after each page (to change data mid-scan). */
async function scan(query: Query, between?: (page: number) => void) {
  const ids: string[] = [];
  const rows: any[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await leads({ ...query, cursor });
    expect(res.status, res.text).toBe(200);
    const body = res.json();
    rows.push(...body.leads);
    ids.push(...body.leads.map((l: any) => l.id));
    cursor = body.next_cursor ?? undefined;
    pages++;
    between?.(pages);
  } while (cursor && pages < 100);
  return { ids, rows, pages };
}

function expectError(res: { status: number; json(): any }, status: number, type: string) {
  expect(res.status).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.type).toBe(type);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'type']);
}

/** Leads with distinct, known updated_at values one second apart, oldest first. */
function leadsAtSeconds(n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    t = T0 + i * 1000;
    ids.push(sim.createLead());
  }
  return ids;
}

describe('construction and source config', () => {
  it('defaults to a fresh mega_<64 hex> key and a fixed customer uuid, and rejects malformed ones', () => {
    const a = new MegaSimulator();
    const b = new MegaSimulator();
    expect(a.apiKey).toMatch(/^mega_[0-9a-f]{64}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.customerId).toBe(DEFAULT_MEGA_CUSTOMER_ID);
    expect(a.vendor).toBe('mega');
    expect(() => new MegaSimulator({ apiKey: 'test-key' })).toThrow();
    expect(() => new MegaSimulator({ customerId: 'acme' })).toThrow();
    expect(sim.sourceConfig('http://127.0.0.1:1')).toEqual({ vendor: 'mega', baseUrl: 'http://127.0.0.1:1', apiKey: KEY, customerId: CUSTOMER });
  });
});

describe('auth: Bearer mega_ key plus x-customer-id, errors as {error:{type,code,message}}', () => {
  it('401 for a missing, malformed or wrong key; 403 for another customer; 200 when both match', async () => {
    sim.seed(2);
    const other = `mega_${'0'.repeat(64)}`;
    for (const headers of <Array<Record<string, string>>>[
      { 'x-customer-id': CUSTOMER },
      { authorization: KEY, 'x-customer-id': CUSTOMER },
      { authorization: 'Bearer mega_123', 'x-customer-id': CUSTOMER },
      { authorization: `Bearer ${other}`, 'x-customer-id': CUSTOMER },
      { 'x-api-key': KEY, 'x-customer-id': CUSTOMER },
    ]) {
      const res = await get(MEGA_LEADS_PATH, {}, headers);
      expectError(res, 401, 'authentication_error');
      expect(res.text).not.toContain(KEY);
    }
    const mismatch = await get(MEGA_LEADS_PATH, {}, { authorization: `Bearer ${KEY}`, 'x-customer-id': DEFAULT_MEGA_CUSTOMER_ID });
    expectError(mismatch, 403, 'permission_error');
    const missing = await get(MEGA_LEADS_PATH, {}, { authorization: `Bearer ${KEY}` });
    expectError(missing, 400, 'invalid_request_error');
    const ok = await get(MEGA_LEADS_PATH, {}, { authorization: `bearer ${KEY}`, 'x-customer-id': CUSTOMER.toUpperCase() });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/application\/json/);
  });

  it('unknown routes are 404 in the same shape', async () => {
    expectError(await get('/api/agents/crm/lead'), 404, 'not_found_error');
    expectError(await get('/leads'), 404, 'not_found_error');
  });
});

describe('query validation: 400 invalid_request_error', () => {
  it.each<[string, Query]>([
    ['limit 0', { limit: 0 }],
    ['limit 101', { limit: 101 }],
    ['limit not a number', { limit: 'ten' }],
    ['limit fractional', { limit: '2.5' }],
    ['negative offset', { offset: -1 }],
    ['sort_by unknown', { sort_by: 'score' }],
    ['sort_dir unknown', { sort_dir: 'up' }],
    ['lead_line unknown', { lead_line: 'renter' }],
    ['include_custom_fields not boolean', { include_custom_fields: 'yes' }],
    ['updated_since not a date-time', { updated_since: 'yesterday' }],
    ['created_since impossible date', { created_since: '2026-02-30T00:00:00Z' }],
    ['stageId not a uuid', { stageId: 'qualified' }],
    ['malformed cursor', { cursor: 'not a cursor!' }],
    ['cursor of valid base64url but wrong content', { cursor: Buffer.from('{"hello":1}').toString('base64url') }],
  ])('%s', async (_name, query) => {
    expectError(await leads(query), 400, 'invalid_request_error');
  });

  it('accepts the boundaries', async () => {
    for (const q of [{ limit: 1 }, { limit: 100 }, { offset: 0 }, { include_custom_fields: false }, { updated_since: '2026-05-01T14:00:00+02:00' }]) {
      expect((await leads(q)).status).toBe(200);
    }
  });
});

describe('GET /api/agents/crm/leads', () => {
  it('returns the documented envelope and lead fields, with defaults limit 20 offset 0', async () => {
    sim.seed(25);
    const res = await leads({ include_custom_fields: true });
    const body = res.json();
    expect(Object.keys(body)).toEqual(['leads', 'total', 'limit', 'offset', 'next_cursor']);
    expect(body).toMatchObject({ total: 25, limit: 20, offset: 0 });
    expect(body.leads).toHaveLength(20);
    expect(typeof body.next_cursor).toBe('string');
    for (const l of body.leads) {
      expect(Object.keys(l)).toEqual(LEAD_KEYS);
      expect(l.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(l.customer_id).toBe(CUSTOMER);
      expect(Object.keys(l.current_stage)).toEqual(['id', 'slug', 'name', 'color']);
      expect(Object.keys(l.owner)).toEqual(['id', 'name', 'role_name']);
      expect(l.contact_phone.replace(/\D/g, '')).toMatch(/^1?\d{3}55501\d{2}$/);
      expect(l.contact_email).toMatch(/@(mail\.)?example\.(com|net|org)$/);
      expect(['buyer', 'seller']).toContain(l.custom_fields.lead_line);
      expect(Number.isInteger(l.score)).toBe(true);
      expect(typeof l.qualified).toBe('boolean');
      expect(l.interaction_count === 0).toBe(l.last_interaction_at === null);
      expect(Date.parse(l.updated_at)).toBeGreaterThanOrEqual(Date.parse(l.created_at));
      expect(Date.parse(l.updated_at)).toBeLessThanOrEqual(T0);
    }
  });

  it('omits custom_fields entirely unless include_custom_fields=true', async () => {
    sim.seed(3);
    for (const q of [{}, { include_custom_fields: false }]) {
      for (const l of (await leads(q)).json().leads) expect(l).not.toHaveProperty('custom_fields');
    }
    for (const l of (await leads({ include_custom_fields: true })).json().leads) expect(l.custom_fields).toEqual(expect.any(Object));
  });

  it('updated_since and created_since are inclusive (>=), sorted ascending by updated_at by default', async () => {
    const ids = leadsAtSeconds(6);
    t = T0 + 10_000;
    sim.updateLead(ids[0] as string, { score: 7 }); // now the most recently updated
    const res = (await leads({ updated_since: iso(T0 + 3000) })).json();
    expect(res.leads.map((l: any) => l.id)).toEqual([ids[3], ids[4], ids[5], ids[0]]);
    expect(res.total).toBe(4);
    const created = (await leads({ created_since: iso(T0 + 4000), sort_by: 'created_at' })).json();
    expect(created.leads.map((l: any) => l.id)).toEqual([ids[4], ids[5]]);
    const desc = (await leads({ sort_dir: 'desc' })).json();
    expect(desc.leads.map((l: any) => l.id)).toEqual([ids[0], ids[5], ids[4], ids[3], ids[2], ids[1]]);
  });

  it('cursor paging visits every lead exactly once, in every sort, and total ignores the cursor', async () => {
    sim.seed(47);
    // Interactions give some leads last_interaction_at while others keep null.
    for (const id of sim.leadIds().slice(0, 10)) sim.recordInteraction(id);
    const all = sim.leadIds().sort();
    for (const sort_by of ['updated_at', 'created_at', 'last_interaction_at']) {
      for (const sort_dir of ['asc', 'desc']) {
        const { ids, pages } = await scan({ sort_by, sort_dir, limit: 10 });
        expect([...ids].sort(), `${sort_by} ${sort_dir}`).toEqual(all);
        expect(pages).toBe(5);
      }
    }
    const first = (await leads({ limit: 10 })).json();
    const second = (await leads({ limit: 10, cursor: first.next_cursor })).json();
    expect(first.total).toBe(47);
    expect(second.total).toBe(47);
    const withFilter = await scan({ lead_line: 'buyer', limit: 7 });
    expect(withFilter.ids.length).toBe(sim.leads().filter((l) => l.custom_fields.lead_line === 'buyer').length);
  });

  it('puts never-interacted leads last ascending and first descending when sorting by last_interaction_at', async () => {
    const [a, b, c] = leadsAtSeconds(3) as [string, string, string];
    t = T0 + 5000;
    sim.recordInteraction(b);
    t = T0 + 6000;
    sim.recordInteraction(c);
    const asc = (await leads({ sort_by: 'last_interaction_at' })).json().leads.map((l: any) => l.id);
    expect(asc).toEqual([b, c, a]);
    const desc = (await leads({ sort_by: 'last_interaction_at', sort_dir: 'desc' })).json().leads.map((l: any) => l.id);
    expect(desc).toEqual([a, c, b]);
  });

  it('next_cursor is null on the last page, and exactly then', async () => {
    sim.seed(10);
    expect((await leads({ limit: 10 })).json().next_cursor).toBeNull();
    expect((await leads({ limit: 9 })).json().next_cursor).toEqual(expect.any(String));
    expect((await leads({ limit: 5, offset: 5 })).json().next_cursor).toBeNull();
  });

  it('a cursor only works with the sort it was issued for', async () => {
    sim.seed(5);
    const cursor = (await leads({ limit: 2 })).json().next_cursor as string;
    expect((await leads({ limit: 2, cursor, sort_by: 'updated_at', sort_dir: 'asc' })).status).toBe(200);
    for (const q of [{ sort_dir: 'desc' }, { sort_by: 'created_at' }, { sort_by: 'last_interaction_at', sort_dir: 'asc' }]) {
      const res = await leads({ limit: 2, cursor, ...q });
      expectError(res, 400, 'invalid_request_error');
      expect(res.json().error.code).toBe('cursor_sort_mismatch');
    }
    const descCursor = (await leads({ limit: 2, sort_dir: 'desc' })).json().next_cursor as string;
    expectError(await leads({ limit: 2, cursor: descCursor }), 400, 'invalid_request_error');
    expectError(await leads({ limit: 2, cursor: `${cursor.slice(0, -3)}` }), 400, 'invalid_request_error');
  });

  it('a lead updated mid-scan reappears at the end and nothing is skipped', async () => {
    const ids = leadsAtSeconds(12);
    let updated = '';
    const { ids: seen } = await scan({ limit: 4 }, (page) => {
      if (page !== 1) return;
      // One lead already passed and one not yet reached both move to the end of the updated_at order.
      t = T0 + 60_000;
      updated = ids[1] as string;
      sim.updateLead(updated, { status: 'won' });
      t = T0 + 61_000;
      sim.recordInteraction(ids[6] as string);
    });
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen.filter((id) => id === updated)).toHaveLength(2);
    expect(seen.filter((id) => id === ids[6])).toHaveLength(1);
    expect(seen.slice(-2)).toEqual([updated, ids[6]]);
  });

  it('offset paging still works, and offset is ignored once a cursor is given', async () => {
    const ids = leadsAtSeconds(6);
    const byOffset = (await leads({ limit: 2, offset: 2 })).json();
    expect(byOffset.leads.map((l: any) => l.id)).toEqual([ids[2], ids[3]]);
    expect(byOffset).toMatchObject({ offset: 2, total: 6 });
    // The next_cursor of an offset page continues after that page.
    const next = (await leads({ limit: 2, cursor: byOffset.next_cursor, offset: 5 })).json();
    expect(next.leads.map((l: any) => l.id)).toEqual([ids[4], ids[5]]);
    expect(next).toMatchObject({ offset: 0, total: 6, next_cursor: null });
  });

  it('filters by status, stageId, lead_line and phone-format-agnostic search', async () => {
    const a = sim.createLead({ contact_name: 'Maria Garcia', contact_phone: '+12125550123', contact_email: 'mg@example.com', status: 'won', custom_fields: { lead_line: 'buyer' } });
    const b = sim.createLead({ contact_name: 'James Smith', contact_phone: '(305) 555-0188', contact_email: 'jsmith@example.org', status: 'active', current_stage: { ...MEGA_STAGES.engaged }, custom_fields: { lead_line: 'seller' } });
    const ids = async (q: Query) => (await leads(q)).json().leads.map((l: any) => l.id).sort();
    expect(await ids({ status: 'won' })).toEqual([a]);
    expect(sim.getLead(a)?.current_stage.id).toBe(MEGA_STAGES.closed.id);
    expect(await ids({ stageId: MEGA_STAGES.engaged.id })).toEqual([b]);
    expect(await ids({ lead_line: 'seller' })).toEqual([b]);
    for (const q of ['(212) 555-0123', '212.555.0123', '+1 212 555 0123', '2125550123', 'garcia', 'MG@EXAMPLE']) {
      expect(await ids({ search: q }), q).toEqual([a]);
    }
    expect(await ids({ search: '305-555-0188' })).toEqual([b]);
    expect(await ids({ search: 'nobody' })).toEqual([]);
    expect((await leads({ search: 'smith', status: 'won' })).json().total).toBe(0);
  });
});

describe('lead changes', () => {
  it('deleteLead removes the lead from listings with no flag or tombstone', async () => {
    const ids = sim.seed(5);
    const gone = ids[2] as string;
    t = T0 + 1000;
    sim.deleteLead(gone);
    const body = (await leads({ include_custom_fields: true })).json();
    expect(body.total).toBe(4);
    expect(body.leads.map((l: any) => l.id)).not.toContain(gone);
    expect(sim.leadIds()).not.toContain(gone);
    expect(sim.getLead(gone)).toBeUndefined();
    expect(sim.changes.at(-1)).toEqual({ kind: 'lead.deleted', leadId: gone, at: iso(T0 + 1000) });
    // Updated-since polling cannot see a removal: nothing changed for it.
    expect((await leads({ updated_since: iso(T0 + 1000) })).json().total).toBe(0);
    sim.deleteLead(gone); // deleting twice is a no-op
    expect(() => sim.deleteLead('00000000-0000-4000-8000-000000000000')).toThrow();
  });

  it('recordInteraction counts, stamps last_interaction_at and bumps updated_at', async () => {
    const id = sim.createLead();
    t = T0 + 5000;
    sim.recordInteraction(id);
    t = T0 + 9000;
    const after = sim.recordInteraction(id);
    expect(after).toMatchObject({ interaction_count: 2, last_interaction_at: iso(T0 + 9000), updated_at: iso(T0 + 9000) });
    const row = (await leads({ updated_since: iso(T0 + 9000) })).json().leads[0];
    expect(row).toMatchObject({ id, interaction_count: 2, last_interaction_at: iso(T0 + 9000) });
    expect(sim.changes.filter((c) => c.kind === 'interaction')).toHaveLength(2);
  });

  it('updateLead merges custom_fields, refuses managed fields, and a no-op bumps nothing', () => {
    const id = sim.createLead({ custom_fields: { lead_line: 'buyer', budget: 400_000 } });
    t = T0 + 1000;
    const l = sim.updateLead(id, { custom_fields: { budget: 450_000 } });
    expect(l.custom_fields).toEqual({ lead_line: 'buyer', budget: 450_000 });
    expect(l.updated_at).toBe(iso(T0 + 1000));
    t = T0 + 2000;
    expect(sim.updateLead(id, { custom_fields: { budget: 450_000 } }).updated_at).toBe(iso(T0 + 1000));
    expect(() => sim.updateLead(id, { updated_at: iso(0) } as any)).toThrow();
    // Copies, not live state.
    const copy = sim.getLead(id)!;
    copy.score = -1;
    expect(sim.getLead(id)?.score).not.toBe(-1);
  });

  it('touchLead is a realistic status/stage change that bumps updated_at', () => {
    const ids = sim.seed(20);
    t = T0 + 1000;
    for (const id of ids) {
      const before = sim.getLead(id)!;
      sim.touchLead(id);
      const after = sim.getLead(id)!;
      expect(after.status !== before.status || after.current_stage.id !== before.current_stage.id).toBe(true);
      expect(after.updated_at).toBe(iso(T0 + 1000));
      if (after.status === 'won') expect(after.current_stage.id).toBe(MEGA_STAGES.closed.id);
      if (after.status === 'lost') expect(after.current_stage.id).toBe(MEGA_STAGES.lost.id);
    }
  });

  it('activity is replayable from a seed and logs every change', () => {
    const run = () => {
      t = T0;
      const s = new MegaSimulator({ apiKey: KEY, customerId: CUSTOMER, now: () => t, random: mulberry32(1), rateLimits: [] });
      s.seed(10);
      const rnd = mulberry32(99);
      const kinds: MegaActivityKind[] = [];
      for (let i = 0; i < 200; i++) {
        t += 1000;
        kinds.push(megaActivityStep(s, rnd));
      }
      return { kinds, leads: s.leads(), changes: s.changes.length };
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(new Set(a.kinds)).toEqual(new Set(['lead.new', 'lead.stage', 'lead.edit', 'interaction', 'lead.remove']));
    expect(a.changes).toBeGreaterThanOrEqual(210);
  });

  it('startMegaActivity changes things on a timer until stopped', async () => {
    const activity = startMegaActivity(sim, { everyMs: 5, random: mulberry32(3) });
    await new Promise((r) => setTimeout(r, 60));
    activity.stop();
    const n = sim.changes.length;
    expect(n).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.changes.length).toBe(n);
  });
});

describe('rate limits: 60/min and 1000/h by default, RateLimit-* on every response', () => {
  it('counts down, answers 429 with Retry-After past 60 a minute, and recovers when the window resets', async () => {
    await server.close();
    await start({ rateLimits: undefined });
    const first = await leads();
    expect(first.headers['ratelimit-limit']).toBe('60');
    expect(first.headers['ratelimit-remaining']).toBe('59');
    expect(first.headers['ratelimit-reset']).toBe('60');
    expect(first.headers['ratelimit-policy']).toBe('60;w=60, 1000;w=3600');
    // Errors count and carry the headers too.
    const unauth = await get(MEGA_LEADS_PATH, {}, {});
    expect(unauth.status).toBe(401);
    expect(unauth.headers['ratelimit-remaining']).toBe('58');
    const notFound = await get('/nope');
    expect(notFound.headers['ratelimit-remaining']).toBe('57');
    const bad = await leads({ limit: 0 });
    expect(bad.headers['ratelimit-remaining']).toBe('56');
    t = T0 + 20_000;
    for (let i = 0; i < 56; i++) {
      const r = await leads();
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit-remaining']).toBe(String(55 - i));
    }
    const limited = await leads();
    expectError(limited, 429, 'rate_limit_error');
    expect(limited.headers['retry-after']).toBe('40');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(limited.headers['ratelimit-reset']).toBe('40');
    t = T0 + 60_000;
    const again = await leads();
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit-remaining']).toBe('59');
    expect(sim.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('the hourly window binds once the minutes add up', async () => {
    await server.close();
    await start({ rateLimits: [{ limit: 3, windowMs: 60_000 }, { limit: 5, windowMs: 3_600_000 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      t = T0 + i * 61_000;
      statuses.push((await leads()).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await leads();
    expect(Number(limited.headers['retry-after'])).toBe(3600 - 305);
  });

  it('rateLimits: [] disables limiting and its headers', async () => {
    const res = await leads();
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('failNext and the request log', () => {
  it('serves queued faults after auth, in the vendor shape by default, then recovers', async () => {
    sim.seed(3);
    sim.failNext(2, { status: 503, retryAfterSeconds: 7 });
    // Auth failures do not use up a fault.
    expect((await get(MEGA_LEADS_PATH, {}, {})).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const res = await leads();
      expectError(res, 503, 'api_error');
      expect(res.json().error.code).toBe('service_unavailable');
      expect(res.headers['retry-after']).toBe('7');
    }
    expect((await leads()).status).toBe(200);

    sim.failNext(1, { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' });
    const html = await leads();
    expect(html.status).toBe(200);
    expect(html.text).toBe('<html>maintenance</html>');
    expect(html.headers['content-type']).toBe('text/html');

    sim.failNext(1, { status: 500, path: '/api/other' });
    expect((await leads()).status).toBe(200);
    sim.failNext(1, { status: 502, path: '/crm/leads' });
    expectError(await leads(), 502, 'api_error');
  });

  it('logs every request with method, path, query, status and the injected time', async () => {
    t = T0 + 1234;
    await leads({ limit: 5, sort_dir: 'desc' });
    await get(MEGA_LEADS_PATH, {}, {});
    await get('/missing');
    expect(sim.requests).toEqual([
      { method: 'GET', path: MEGA_LEADS_PATH, query: { limit: '5', sort_dir: 'desc' }, status: 200, at: T0 + 1234 },
      { method: 'GET', path: MEGA_LEADS_PATH, query: {}, status: 401, at: T0 + 1234 },
      { method: 'GET', path: '/missing', query: {}, status: 404, at: T0 + 1234 },
    ]);
  });
});
