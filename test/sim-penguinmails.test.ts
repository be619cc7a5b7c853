// The PenguinMails simulator keeps the promises of the vendor docs (src/vendors/penguinmails/README.md "The vendor's API") over real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import {
  ACTIVITY_TYPES,
  LEAD_STATUSES,
  mulberry32,
  PenguinMailsSimulator,
  penguinMailsActivityStep,
  startPenguinMailsActivity,
  type PenguinMailsActivityKind,
  type PenguinMailsSimulatorOptions,
} from '../src/vendors/penguinmails/sim/index.js';
import type { SimServerHandle } from '../src/vendors/sim-common/types.js';

const KEY = 'pm_test_key_123';
const LEADS = '/api/v1/tenant/leads';
const T0 = Date.parse('2026-05-01T12:00:00.000Z');
const ROW_KEYS = ['id', 'email', 'first_name', 'last_name', 'company', 'status', 'created_at'];
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let t = T0;
let sim: PenguinMailsSimulator;
let server: SimServerHandle | undefined;

/** (Re)starts the simulator; tests run without rate limits unless they pass some. */
async function start(opts: Partial<PenguinMailsSimulatorOptions> = {}) {
  await server?.close();
  server = undefined;
  sim = new PenguinMailsSimulator({ apiKey: KEY, now: () => t, random: mulberry32(7), rateLimits: [], ...opts });
  server = await sim.listen();
}

beforeEach(async () => {
  t = T0;
  await start();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Query = Record<string, string | number | undefined>;

async function call(method: string, path: string, opts: { query?: Query; key?: string | null; body?: unknown; auth?: string } = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? KEY : opts.key;
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${server!.url}${path}${qs.size ? `?${qs}` : ''}`, {
    method: method as 'GET',
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

const list = (query: Query = {}, key?: string | null) => call('GET', LEADS, { query: { workspace: 'acme-corp', ...query }, key });
const detail = (id: string) => call('GET', `${LEADS}/${id}`);

describe('auth: Authorization: Bearer <key>, else 401 {success:false, error}', () => {
  it('rejects a missing, wrong or non-Bearer key on every endpoint', async () => {
    const id = sim.createLead();
    const bad = [{ key: null }, { key: 'nope' }, { key: `${KEY}x` }, { auth: KEY }, { auth: `Basic ${KEY}` }];
    for (const opts of bad) {
      for (const [method, path, query] of [
        ['GET', LEADS, { workspace: 'acme-corp' }],
        ['GET', `${LEADS}/${id}`, {}],
        ['PATCH', `${LEADS}/${id}`, {}],
      ] as const) {
        const res = await call(method, path, { ...opts, query, body: method === 'PATCH' ? { status: 'contacted' } : undefined });
        expect(res.status, `${method} ${JSON.stringify(opts)}`).toBe(401);
        expect(res.json()).toEqual({ success: false, error: 'Unauthorized' });
      }
    }
    expect(sim.getLead(id)?.status).toBe('new');
    expect((await list()).status).toBe(200);
    expect((await call('GET', LEADS, { auth: `bearer ${KEY}`, query: { workspace: 'acme-corp' } })).status).toBe(200);
  });
});

describe('GET /api/v1/tenant/leads', () => {
  it('requires the workspace: 400 without it, 404 for another one', async () => {
    const missing = await call('GET', LEADS);
    expect(missing.status).toBe(400);
    expect(missing.json()).toEqual({ success: false, error: 'workspace is required' });
    expect((await call('GET', LEADS, { query: { workspace: '' } })).status).toBe(400);
    const other = await list({ workspace: 'globex' });
    expect(other.status).toBe(404);
    expect(other.json()).toEqual({ success: false, error: 'workspace not found' });

    await start({ workspace: 'globex' });
    expect((await list({ workspace: 'globex' })).status).toBe(200);
    expect((await list()).status).toBe(404);
  });

  it('pages with limit/offset: total and has_more are right and every lead shows up exactly once', async () => {
    const ids = sim.seed(23);
    const seen: string[] = [];
    const rows: any[] = [];
    for (let offset = 0; ; offset += 5) {
      const body = (await list({ limit: 5, offset })).json();
      expect(body.success).toBe(true);
      expect(body.pagination).toEqual({ total: 23, limit: 5, offset, has_more: offset + 5 < 23 });
      rows.push(...body.data);
      seen.push(...body.data.map((r: any) => r.id));
      if (!body.pagination.has_more) break;
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toEqual(sim.leadIds());
    // created_at ascending, then id.
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      const d = Date.parse(a.created_at) - Date.parse(b.created_at);
      expect(d < 0 || (d === 0 && a.id < b.id)).toBe(true);
    }
    const past = (await list({ offset: 40 })).json();
    expect(past.data).toEqual([]);
    expect(past.pagination).toEqual({ total: 23, limit: 50, offset: 40, has_more: false });
  });

  it('defaults to limit 50 offset 0, caps limit at 100, rejects invalid values', async () => {
    sim.seed(120);
    const first = (await list()).json();
    expect(first.data).toHaveLength(50);
    expect(first.pagination).toEqual({ total: 120, limit: 50, offset: 0, has_more: true });
    const big = (await list({ limit: 500, offset: 10 })).json();
    expect(big.data).toHaveLength(100);
    expect(big.pagination).toEqual({ total: 120, limit: 100, offset: 10, has_more: true });
    expect((await list({ limit: 100, offset: 20 })).json().pagination.has_more).toBe(false);
    for (const q of [{ limit: 0 }, { limit: -1 }, { limit: 'ten' }, { limit: '2.5' }, { offset: -1 }, { offset: 'x' }, { status: 'lost' }]) {
      const res = await list(q);
      expect(res.status, JSON.stringify(q)).toBe(400);
      expect(res.json()).toMatchObject({ success: false, error: expect.any(String) });
    }
    // Empty parameters, as in `status=&search=`, count as absent.
    expect((await list({ status: '', search: '', limit: '', offset: '' })).json().pagination.total).toBe(120);
  });

  it('rows have exactly the documented fields, whole-second timestamps and no updated_at', async () => {
    sim.seed(10);
    const { data } = (await list()).json();
    for (const row of data) {
      expect(Object.keys(row)).toEqual(ROW_KEYS);
      expect(row).not.toHaveProperty('updated_at');
      expect(row.created_at).toMatch(SECONDS);
      expect(row.id).toMatch(/^lead_[a-z0-9]+$/);
      expect(row.email).toMatch(/@(.+\.)?example\.(com|net|org)$/);
      expect(LEAD_STATUSES).toContain(row.status);
    }
  });

  it('filters by status and searches email or name, case-insensitively', async () => {
    const jane = sim.createLead({ email: 'jane.smith@techcorp.example.com', first_name: 'Jane', last_name: 'Smith', status: 'replied' });
    const john = sim.createLead({ email: 'jd@example.com', first_name: 'John', last_name: 'Doe' });
    sim.createLead({ email: 'other@example.org', first_name: 'Ann', last_name: 'Lee', status: 'converted' });
    const ids = async (q: Query) => (await list(q)).json().data.map((r: any) => r.id);
    expect(await ids({ status: 'replied' })).toEqual([jane]);
    expect(await ids({ status: 'new' })).toEqual([john]);
    expect(await ids({ search: 'TECHCORP' })).toEqual([jane]);
    expect(await ids({ search: 'john doe' })).toEqual([john]);
    expect(await ids({ search: 'doe' })).toEqual([john]);
    expect(await ids({ search: 'smith', status: 'new' })).toEqual([]);
    expect((await list({ search: 'example' })).json().pagination.total).toBe(3);
  });
});

describe('GET /api/v1/tenant/leads/:id', () => {
  it('returns the row fields plus attributes and id-less activity', async () => {
    const id = sim.createLead({ first_name: 'John', attributes: { title: 'CEO', location: 'New York' } });
    t += 60_000;
    const sent = sim.addActivity(id, { type: 'email_sent', campaign_id: 'cmp_123' });
    t += 3_600_000;
    sim.addActivity(id, { type: 'email_opened' });
    const res = await detail(id);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(Object.keys(body.data)).toEqual([...ROW_KEYS, 'attributes', 'activity']);
    expect(body.data.attributes).toEqual({ title: 'CEO', location: 'New York' });
    expect(sent).toEqual({ type: 'email_sent', campaign_id: 'cmp_123', timestamp: '2026-05-01T12:01:00Z' });
    expect(body.data.activity).toEqual([
      { type: 'email_sent', campaign_id: 'cmp_123', timestamp: '2026-05-01T12:01:00Z' },
      // campaign_id defaults to the lead's latest campaign.
      { type: 'email_opened', campaign_id: 'cmp_123', timestamp: '2026-05-01T13:01:00Z' },
    ]);
    for (const a of body.data.activity) expect(Object.keys(a)).toEqual(['type', 'campaign_id', 'timestamp']);
    // The list row does not move when activity is added: only the detail shows it.
    expect((await list()).json().data[0]).toEqual(Object.fromEntries(ROW_KEYS.map((k) => [k, body.data[k]])));
  });

  it('answers 404 for an unknown id and counts detail requests', async () => {
    const [a, b] = sim.seed(2) as [string, string];
    const res = await detail('lead_nope');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ success: false, error: 'Lead not found' });
    await detail(a);
    await detail(a);
    await list();
    expect(sim.detailRequests(a)).toBe(2);
    expect(sim.detailRequests(b)).toBe(0);
    expect(sim.detailRequests()).toBe(3);
  });

  it('seeds lifelike details: attributes, campaign activity consistent with status', () => {
    sim.seed(60);
    const leads = sim.leads();
    expect(leads.filter((l) => typeof l.attributes.title === 'string').length).toBeGreaterThan(40);
    expect(leads.some((l) => l.attributes.phone !== undefined)).toBe(true);
    expect(leads.some((l) => l.attributes.phone === undefined)).toBe(true);
    for (const l of leads) {
      if (l.status === 'new') expect(l.activity).toEqual([]);
      else expect(l.activity[0]?.type).toBe('email_sent');
      if (l.status === 'replied' || l.status === 'converted') expect(l.activity.map((a) => a.type)).toContain('replied');
      for (const a of l.activity) {
        expect(a.campaign_id).toMatch(/^cmp_[a-z0-9]{8}$/);
        expect(a.timestamp).toMatch(SECONDS);
        expect(Date.parse(a.timestamp)).toBeGreaterThanOrEqual(Date.parse(l.created_at));
        expect(Date.parse(a.timestamp)).toBeLessThanOrEqual(T0);
      }
    }
    expect(new Set(leads.map((l) => l.status))).toEqual(new Set(LEAD_STATUSES));
  });
});

describe('POST and PATCH', () => {
  it('POST creates a new lead in the workspace and returns 201 with the row', async () => {
    const body = { workspace_slug: 'acme-corp', email: 'jane@example.com', first_name: 'Jane', last_name: 'Smith', company: 'Tech Corp' };
    const res = await call('POST', LEADS, { body });
    expect(res.status).toBe(201);
    const { success, data } = res.json();
    expect(success).toBe(true);
    expect(Object.keys(data)).toEqual(ROW_KEYS);
    expect(data).toMatchObject({ email: 'jane@example.com', first_name: 'Jane', last_name: 'Smith', company: 'Tech Corp', status: 'new', created_at: '2026-05-01T12:00:00Z' });
    expect(sim.leadIds()).toEqual([data.id]);
    expect(sim.changes).toEqual([{ kind: 'lead.created', leadId: data.id, at: '2026-05-01T12:00:00Z' }]);

    expect((await call('POST', LEADS, { body: { ...body, workspace_slug: 'globex' } })).status).toBe(404);
    expect((await call('POST', LEADS, { body: { ...body, workspace_slug: undefined } })).status).toBe(400);
    expect((await call('POST', LEADS, { body: { ...body, email: 'not-an-email' } })).status).toBe(400);
    expect((await call('POST', LEADS, { body: '{"email":' })).json()).toEqual({ success: false, error: 'request body must be valid JSON' });
    expect(sim.leadIds()).toHaveLength(1);
  });

  it('PATCH changes status and merges attributes; a no-op records nothing', async () => {
    const id = sim.createLead({ attributes: { title: 'CEO', location: 'New York' } });
    t += 5_000;
    const res = await call('PATCH', `${LEADS}/${id}`, { body: { status: 'contacted', attributes: { phone: '+15551234567' } } });
    expect(res.status).toBe(200);
    expect(res.json().data).toMatchObject({ id, status: 'contacted', attributes: { title: 'CEO', location: 'New York', phone: '+15551234567' } });
    expect(sim.getLead(id)?.attributes).toEqual({ title: 'CEO', location: 'New York', phone: '+15551234567' });
    expect(sim.changes.at(-1)).toEqual({ kind: 'lead.updated', leadId: id, at: '2026-05-01T12:00:05Z' });

    const before = sim.changes.length;
    expect((await call('PATCH', `${LEADS}/${id}`, { body: { status: 'contacted' } })).status).toBe(200);
    expect(sim.changes).toHaveLength(before);
    // null removes an attribute (JSON merge patch).
    sim.updateLead(id, { attributes: { location: null } });
    expect(sim.getLead(id)?.attributes).toEqual({ title: 'CEO', phone: '+15551234567' });

    expect((await call('PATCH', `${LEADS}/${id}`, { body: { status: 'won' } })).status).toBe(400);
    expect((await call('PATCH', `${LEADS}/${id}`, { body: { attributes: [1] } })).status).toBe(400);
    expect((await call('PATCH', `${LEADS}/lead_nope`, { body: { status: 'contacted' } })).status).toBe(404);
    expect(() => sim.updateLead(id, { created_at: 'x' } as never)).toThrow(/created_at/);
  });
});

describe('control methods', () => {
  it('deleteLead is a hard delete: gone from the list, detail 404', async () => {
    const [a, b] = sim.seed(2) as [string, string];
    t += 1_000;
    sim.deleteLead(a);
    expect(sim.leadIds()).toEqual([b]);
    const body = (await list()).json();
    expect(body.data.map((r: any) => r.id)).toEqual([b]);
    expect(body.pagination.total).toBe(1);
    expect((await detail(a)).status).toBe(404);
    expect(sim.changes.at(-1)).toEqual({ kind: 'lead.deleted', leadId: a, at: '2026-05-01T12:00:01Z' });
    expect(() => sim.deleteLead(a)).toThrow(/unknown/);
  });

  it('touchLead walks the funnel, then moves a converted lead to another company', () => {
    const id = sim.createLead();
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      sim.touchLead(id);
      statuses.push(sim.getLead(id)?.status);
    }
    expect(statuses).toEqual(['contacted', 'replied', 'converted']);
    const before = sim.getLead(id)!;
    sim.touchLead(id);
    const after = sim.getLead(id)!;
    expect(after.status).toBe('converted');
    expect(after.company).not.toBe(before.company);
    expect(sim.changes.filter((c) => c.kind === 'lead.updated')).toHaveLength(4);
  });

  it('createLead takes vendor field names and rejects others; sourceConfig points the relay here', () => {
    const id = sim.createLead({ id: 'lead_fixed', first_name: 'Ada', last_name: 'Lovelace', created_at: '2026-01-02T03:04:05.678Z' });
    expect(sim.getLead(id)).toMatchObject({ id: 'lead_fixed', first_name: 'Ada', created_at: '2026-01-02T03:04:05Z', activity: [] });
    expect(sim.getLead(id)?.email).toMatch(/^a[a-z.0-9]*@/);
    expect(() => sim.createLead({ firstName: 'x' })).toThrow(/firstName/);
    expect(() => sim.createLead({ id: 'lead_fixed' })).toThrow(/exists/);
    expect(sim.sourceConfig('http://127.0.0.1:1')).toEqual({ vendor: 'penguinmails', baseUrl: 'http://127.0.0.1:1', apiKey: KEY, workspace: 'acme-corp' });
    expect(sim.vendor).toBe('penguinmails');
  });
});

describe('rate limits (undocumented; 60/min by default)', () => {
  it('sends X-RateLimit-* on every response and 429 with Retry-After past 60 a minute', async () => {
    await start({ rateLimits: undefined });
    t += 15_000;
    for (let i = 1; i <= 60; i++) {
      const res = i === 1 ? await list({}, 'wrong') : await list();
      expect(res.status).toBe(i === 1 ? 401 : 200);
      expect(res.headers['x-ratelimit-limit']).toBe('60');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(60 - i));
      expect(res.headers['x-ratelimit-reset']).toBe('60');
    }
    t += 20_000;
    const limited = await list();
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({ success: false, error: 'Too Many Requests' });
    expect(limited.headers['retry-after']).toBe('40');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['x-ratelimit-reset']).toBe('40');
    expect((await detail('lead_x')).status).toBe(429);

    t += 40_000;
    const again = await list();
    expect(again.status).toBe(200);
    expect(again.headers['x-ratelimit-remaining']).toBe('59');
  });

  it('honours custom limits and sends no rate headers when disabled', async () => {
    expect((await list()).headers['x-ratelimit-limit']).toBeUndefined();
    await start({ rateLimits: [{ limit: 2, windowMs: 1_000 }] });
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(200);
    const res = await list();
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
  });
});

describe('failNext: injected faults', () => {
  it('serves the fault to the next n requests in the vendor error shape, then recovers', async () => {
    sim.failNext(2, { status: 503, retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await list();
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.json()).toEqual({ success: false, error: 'Service Unavailable' });
    }
    expect((await list()).status).toBe(200);
  });

  it('targets paths containing the given string, can send garbage, and answers 401 first', async () => {
    const id = sim.createLead();
    sim.failNext(1, { status: 200, body: '{"success":true,"data":{"id":', path: `${LEADS}/` });
    expect((await list({}, 'bad')).status).toBe(401);
    expect((await list()).status).toBe(200);
    const broken = await detail(id);
    expect(broken.status).toBe(200);
    expect(() => broken.json()).toThrow();
    expect((await detail(id)).json().data.id).toBe(id);
  });
});

describe('requests log', () => {
  it('records method, path, query, status and time of every request', async () => {
    t += 123;
    await list({ limit: 2 });
    await detail('lead_nope');
    await list({}, null);
    expect(sim.requests).toEqual([
      { method: 'GET', path: LEADS, query: { workspace: 'acme-corp', limit: '2' }, status: 200, at: T0 + 123 },
      { method: 'GET', path: `${LEADS}/lead_nope`, query: {}, status: 404, at: T0 + 123 },
      { method: 'GET', path: LEADS, query: { workspace: 'acme-corp' }, status: 401, at: T0 + 123 },
    ]);
  });
});

describe('live activity', () => {
  it('is deterministic for a seed, covers every kind, and keeps the funnel realistic', () => {
    const run = () => {
      t = T0;
      const s = new PenguinMailsSimulator({ apiKey: KEY, now: () => t, random: mulberry32(1), rateLimits: [] });
      s.seed(20);
      const rnd = mulberry32(99);
      const kinds: PenguinMailsActivityKind[] = [];
      for (let i = 0; i < 300; i++) {
        t += 7_000;
        kinds.push(penguinMailsActivityStep(s, rnd));
      }
      return { s, kinds };
    };
    const a = run();
    const b = run();
    expect(b.kinds).toEqual(a.kinds);
    expect(b.s.leads()).toEqual(a.s.leads());
    expect(new Set(a.kinds)).toEqual(
      new Set(['lead.new', 'lead.edit', 'lead.convert', 'lead.delete', 'email_sent', 'email_opened', 'email_clicked', 'replied', 'bounced', 'unsubscribed']),
    );
    const kindsSeen = new Set(a.s.changes.map((c) => c.kind));
    expect(kindsSeen).toEqual(new Set(['lead.created', 'lead.updated', 'lead.deleted', 'activity.added']));
    for (const l of a.s.leads()) {
      const types = l.activity.map((x) => x.type);
      for (const x of l.activity) expect(ACTIVITY_TYPES).toContain(x.type);
      if (types.length > 0) expect(l.status).not.toBe('new');
      if (types.includes('replied')) expect(['replied', 'converted']).toContain(l.status);
      // Nothing is sent after a bounce or an unsubscribe.
      const stop = types.findIndex((x) => x === 'bounced' || x === 'unsubscribed');
      if (stop !== -1) expect(types.slice(stop + 1)).toEqual([]);
    }
  });

  it('runs on a timer until stopped', async () => {
    const activity = startPenguinMailsActivity(sim, { everyMs: 5, random: mulberry32(3) });
    await new Promise((r) => setTimeout(r, 60));
    activity.stop();
    const n = sim.changes.length;
    expect(n).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.changes.length).toBe(n);
  });
});
