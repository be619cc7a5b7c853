// Subscription content filters over real HTTP (interface.md "Subscription filters", docs/filters.md):
// a relay reading a vendor simulator, a catch-all subscriber that sees every webhook, and one
// verifying subscriber per filter. What each filtered subscriber must receive is worked out here,
// by hand, from the catch-all's bodies: the filter engine is not used to judge itself.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AptenSimulator, AptenVendorSim } from '../src/vendors/apten/sim/index.js';
import { VENDORS } from '../src/vendors/registry.js';
import type { VendorSimulator } from '../src/vendors/sim-common/types.js';
import { generateSecret } from '../src/delivery/sign.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber, type Received } from './helpers/subscriber.js';

type Body = { type: string; data: any };

/** One filtered subscription and the rule (written independently of the engine) for what it must get. */
interface Case {
  name: string;
  filter: (seen: Body[]) => Record<string, unknown>;
  expect: (b: Body, seen: Body[]) => boolean;
}

const lead = (b: Body) => b.data.lead ?? {};
/** A value seen on some lead.created, so the case is never vacuous. */
const someStatus = (seen: Body[]) => seen.map((b) => lead(b).status).find((s) => typeof s === 'string') as string;
const otherStatus = (seen: Body[]) => seen.map((b) => lead(b).status).find((s) => typeof s === 'string' && s !== someStatus(seen)) ?? 'NONE';
const sortedCreatedAt = (seen: Body[]) => seen.map((b) => lead(b).createdAt).filter((t): t is string => typeof t === 'string').sort();
const midCreatedAt = (seen: Body[]) => sortedCreatedAt(seen)[Math.floor(sortedCreatedAt(seen).length / 2)]!;
const firstEmail = (seen: Body[]) => seen.flatMap((b) => lead(b).emails ?? []).find(Boolean) as string;

const CASES: Case[] = [
  { name: 'plain value, nested objects', filter: (s) => ({ data: { lead: { status: someStatus(s) } } }), expect: (b, s) => lead(b).status === someStatus(s) },
  { name: '$eq, dotted key', filter: (s) => ({ 'data.lead.status': { $eq: someStatus(s) } }), expect: (b, s) => lead(b).status === someStatus(s) },
  { name: '$neq', filter: (s) => ({ 'data.lead.status': { $neq: someStatus(s) } }), expect: (b, s) => lead(b).status !== someStatus(s) },
  { name: '$in', filter: (s) => ({ 'data.lead.status': { $in: [someStatus(s), 'NEVER'] } }), expect: (b, s) => lead(b).status === someStatus(s) },
  { name: '$nin', filter: (s) => ({ 'data.lead.status': { $nin: [someStatus(s), 'NEVER'] } }), expect: (b, s) => lead(b).status !== someStatus(s) },
  { name: '$gt (ISO times as strings)', filter: (s) => ({ 'data.lead.createdAt': { $gt: midCreatedAt(s) } }), expect: (b, s) => typeof lead(b).createdAt === 'string' && lead(b).createdAt > midCreatedAt(s) },
  { name: '$gte', filter: (s) => ({ 'data.lead.createdAt': { $gte: midCreatedAt(s) } }), expect: (b, s) => typeof lead(b).createdAt === 'string' && lead(b).createdAt >= midCreatedAt(s) },
  { name: '$lt', filter: (s) => ({ 'data.lead.createdAt': { $lt: midCreatedAt(s) } }), expect: (b, s) => typeof lead(b).createdAt === 'string' && lead(b).createdAt < midCreatedAt(s) },
  { name: '$lte', filter: (s) => ({ 'data.lead.createdAt': { $lte: midCreatedAt(s) } }), expect: (b, s) => typeof lead(b).createdAt === 'string' && lead(b).createdAt <= midCreatedAt(s) },
  { name: '$exist true', filter: () => ({ 'data.previous': { $exist: true } }), expect: (b) => b.data.previous !== undefined },
  { name: '$exist false', filter: () => ({ 'data.previous': { $exist: false } }), expect: (b) => b.data.previous === undefined },
  { name: '$regex', filter: () => ({ 'data.lead.email': { $regex: '^[a-m]' } }), expect: (b) => typeof lead(b).email === 'string' && /^[a-m]/.test(lead(b).email) },
  { name: 'array contains a plain value', filter: (s) => ({ 'data.lead.emails': firstEmail(s) }), expect: (b, s) => (lead(b).emails ?? []).includes(firstEmail(s)) },
  { name: 'array index in a path', filter: (s) => ({ 'data.lead.emails.0': firstEmail(s) }), expect: (b, s) => (lead(b).emails ?? [])[0] === firstEmail(s) },
  { name: 'data.changes contains "status"', filter: () => ({ 'data.changes': 'status' }), expect: (b) => (b.data.changes ?? []).includes('status') },
  {
    name: '$or',
    filter: (s) => ({ $or: [{ type: 'event.added' }, { 'data.lead.status': otherStatus(s) }] }),
    expect: (b, s) => b.type === 'event.added' || lead(b).status === otherStatus(s),
  },
  {
    name: '$and',
    filter: (s) => ({ $and: [{ type: 'lead.updated' }, { 'data.lead.status': { $neq: someStatus(s) } }] }),
    expect: (b, s) => b.type === 'lead.updated' && lead(b).status !== someStatus(s),
  },
  { name: 'any event of a type', filter: () => ({ type: 'lead.updated' }), expect: (b) => b.type === 'lead.updated' },
  { name: 'matches nothing', filter: () => ({ 'data.lead.status': 'NO SUCH STATUS' }), expect: () => false },
];

/** Change operators: rules over the lead.updated bodies, for every vendor. */
const CHANGE_CASES: Case[] = [
  { name: '$changed [status]', filter: () => ({ 'data.changes': { $changed: ['status'] } }), expect: (b) => (b.data.changes ?? []).includes('status') },
  { name: '$changed true on a field', filter: () => ({ 'data.lead.status': { $changed: true } }), expect: (b) => (b.data.changes ?? []).includes('status') },
  {
    name: '$to',
    filter: (s) => ({ 'data.lead.status': { $to: changedTo(s) } }),
    expect: (b, s) => (b.data.changes ?? []).includes('status') && lead(b).status === changedTo(s),
  },
  {
    name: '$from',
    filter: (s) => ({ 'data.lead.status': { $from: changedFrom(s) } }),
    expect: (b, s) => (b.data.changes ?? []).includes('status') && b.data.previous?.status === changedFrom(s),
  },
  {
    name: '$from and $to with operators',
    filter: (s) => ({ 'data.lead.status': { $from: { $in: [changedFrom(s)] }, $to: { $neq: 'NEVER' } } }),
    expect: (b, s) => (b.data.changes ?? []).includes('status') && b.data.previous?.status === changedFrom(s),
  },
];

const statusChanges = (seen: Body[]) => seen.filter((b) => b.type === 'lead.updated' && (b.data.changes ?? []).includes('status'));
const changedTo = (seen: Body[]) => statusChanges(seen)[0]?.data.lead.status as string;
const changedFrom = (seen: Body[]) => statusChanges(seen)[0]?.data.previous.status as string;

interface Running {
  h: Harness;
  subs: Map<string, TestSubscriber>;
}

const bodies = (list: Received[]) => list.filter((r) => r.verified).map((r) => ({ id: r.id, body: r.body as Body }));

/**
 * Starts a relay on `sim`, lets the first sync (emit) and a round of changes reach the catch-all,
 * then subscribes one subscriber per case (through the API, filters built from what was seen),
 * makes a second round of changes and new leads, and returns what each got after subscribing.
 */
async function run(sim: VendorSimulator, cases: Case[], source: Record<string, unknown> = {}) {
  sim.seed(8);
  const h = await new Harness({ sim, source: { pageSize: 50, ...source } }).start();
  const touchAll = () => sim.leadIds().forEach((id) => sim.touchLead(id));
  touchAll();
  await h.sync();
  await h.waitIdle();
  const seen = bodies(h.sub.received).map((r) => r.body);
  const subs = new Map<string, TestSubscriber>();
  const ids = new Map<string, string>();
  for (const c of cases) {
    const sub = await new TestSubscriber(generateSecret()).start();
    subs.set(c.name, sub);
    const res = await h.api('POST', '/v1/subscriptions', { url: sub.url, secret: sub.secret, filter: c.filter(seen) });
    expect(res.status, `${c.name}: ${JSON.stringify(res.body)}`).toBe(201);
    expect(res.body.filter).toEqual(c.filter(seen));
    ids.set(c.name, res.body.id);
  }
  const mark = h.sub.received.length;
  touchAll();
  sim.createLead();
  sim.createLead();
  await h.sync();
  await h.waitIdle();
  touchAll();
  await h.sync();
  await h.waitIdle();
  const after = bodies(h.sub.received.slice(mark));
  return { h, subs, ids, seen, after };
}

async function checkCases(r: Awaited<ReturnType<typeof run>>, cases: Case[], opts: { nonEmpty: boolean }) {
  const { h, subs, ids, seen, after } = r;
  expect(after.length).toBeGreaterThan(0);
  for (const c of cases) {
    const want = after.filter((a) => c.expect(a.body, seen)).map((a) => a.id).sort();
    const got = bodies(subs.get(c.name)!.received).map((a) => a.id).sort();
    expect(got, c.name).toEqual(want);
    if (opts.nonEmpty && c.name !== 'matches nothing') expect(want.length, `${c.name} selects something`).toBeGreaterThan(0);
    const sub = await h.api('GET', `/v1/subscriptions/${ids.get(c.name)}`);
    // Everything else its events/sources selected was counted as kept back, not queued.
    expect(sub.body.filteredCount, c.name).toBe(after.length - want.length);
  }
}

describe('filters over HTTP: operators, paths and arrays (apten)', () => {
  let r: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    r = await run(new AptenVendorSim(new AptenSimulator({ apiKey: 'apten-filter-key' })), CASES);
  }, 60_000);
  afterAll(async () => {
    await r?.h.stop();
    await Promise.all([...(r?.subs.values() ?? [])].map((s) => s.close()));
  });

  it('each subscriber gets exactly the events its filter selects', async () => {
    await checkCases(r, CASES.filter((c) => !/^\$(gt|gte|lt|lte|regex)|array|\$or/.test(c.name)), { nonEmpty: true });
    // Data-dependent cases: exact, but the simulated data may leave one side empty.
    await checkCases(r, CASES.filter((c) => /^\$(gt|gte|lt|lte|regex)|array|\$or/.test(c.name)), { nonEmpty: false });
  });

  it('a filter that matches nothing queues nothing, and the metric counts what it kept back', async () => {
    const id = r.ids.get('matches nothing')!;
    const page = await r.h.api('GET', `/v1/subscriptions/${id}/deliveries`);
    expect(page.body.data).toEqual([]);
    expect(r.subs.get('matches nothing')!.received).toEqual([]);
    const res = await fetch(`${r.h.relay.url}/metrics`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    const body = await res.text();
    const line = body.split('\n').find((l) => l.startsWith(`leadrelay_delivery_filtered_total{subscription="${id}"}`));
    expect(line, body.slice(0, 200)).toBeDefined();
    expect(Number(line!.split(' ').at(-1))).toBe(r.after.length);
  });
});

/** Every vendor in the registry, with its conformance case's simulator and source config at the vendor's own page size. */
const VENDOR_CASES = await Promise.all(
  VENDORS.map(async (v) =>
    (await v.conformance()).map((c) => {
      const { pageSize: _pageSize, ...source } = c.source;
      return { vendor: c.name ?? v.id, make: () => c.make(), source };
    }),
  ),
).then((all) => all.flat());

describe.each(VENDOR_CASES)('filters over HTTP: $changed, $from, $to on $vendor events', ({ make, source }) => {
  let r: Awaited<ReturnType<typeof run>> | undefined;
  afterEach(async () => {
    await r?.h.stop();
    await Promise.all([...(r?.subs.values() ?? [])].map((s) => s.close()));
  });

  it('sends only the status changes each asks for', async () => {
    r = await run(make(), CHANGE_CASES, source);
    expect(statusChanges(r.seen).length, 'the first round of changes moved some status').toBeGreaterThan(0);
    await checkCases(r, CHANGE_CASES.filter((c) => c.name.startsWith('$changed')), { nonEmpty: true });
    await checkCases(r, CHANGE_CASES.filter((c) => !c.name.startsWith('$changed')), { nonEmpty: false });
  }, 60_000);
});

describe('filters over HTTP: validation, the test route, replay, compact payloads', () => {
  let h: Harness;
  const extra: TestSubscriber[] = [];
  beforeAll(async () => {
    h = await new Harness({ seed: 5 }).start();
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await Promise.all(extra.map((s) => s.close()));
  });
  const newSubscriber = async () => {
    const s = await new TestSubscriber(generateSecret()).start();
    extra.push(s);
    return s;
  };

  it('refuses a malformed filter with 400 naming the path inside it, on every route that takes one', async () => {
    const url = 'http://127.0.0.1:9/hook';
    const bad: Array<[unknown, string]> = [
      [{ $or: [{ type: 'lead.created' }, { 'data.lead.status': { $in: 'won' } }] }, 'filter.$or[1].data.lead.status.$in: expected an array'],
      [{ data: { lead: { status: { $near: 1 } } } }, 'filter.data.lead.status.$near: unknown operator'],
      [{ 'data.lead.status': { $gt: true } }, 'filter.data.lead.status.$gt: expected a number or a string'],
      [{ 'data.lead.tags': ['a', 'b'] }, 'filter.data.lead.tags: a plain array is not a condition'],
      [{ 'data.lead.email': { $regex: '(?=x)' } }, 'filter.data.lead.email.$regex: is not a valid regular expression'],
      [{ 'data.lead.email': { $regex: 'a'.repeat(300) } }, 'filter.data.lead.email.$regex: is 300 characters long; at most 256'],
      [{ 'data.source': { $to: 'x' } }, 'filter.data.source.$to: applies to a field of data.lead'],
      [{ $and: [] }, 'filter.$and: expected a non-empty array'],
      [{ 'data..x': 1 }, 'filter["data..x"]: has an empty path segment'],
      [{}, 'filter: is an empty object'],
      ['won', 'filter: expected an object'],
      [{ $eq: 1 }, 'filter.$eq: cannot stand here'],
    ];
    for (const [filter, message] of bad) {
      for (const [method, path, body] of [
        ['POST', '/v1/subscriptions', { url, filter }],
        ['PATCH', '/v1/subscriptions/sub_x', { filter }],
        ['POST', '/v1/hooks', { target_url: url, event: 'lead.updated', filter }],
        ['POST', '/v1/filters/test', { filter, event: { type: 'lead.created' } }],
      ] as const) {
        const res = await h.api(method, path, body);
        if (method === 'PATCH') {
          expect(res.status).toBe(404); // an unknown subscription is looked up first
          continue;
        }
        expect(res.status, `${path} ${JSON.stringify(filter)}`).toBe(400);
        expect(res.body.error.message, JSON.stringify(filter)).toContain(message);
      }
    }
    const created = await h.api('POST', '/v1/subscriptions', { url });
    const patched = await h.api('PATCH', `/v1/subscriptions/${created.body.id}`, { filter: bad[0]![0] });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details[0].field).toBe('filter.$or[1].data.lead.status.$in');
    expect((await h.api('GET', `/v1/subscriptions/${created.body.id}`)).body.filter).toBeNull();
    await h.api('DELETE', `/v1/subscriptions/${created.body.id}`);
    // Payload options are checked too.
    const payload = await h.api('POST', '/v1/subscriptions', { url, payload: { fields: ['status'] } });
    expect(payload.status).toBe(400);
    expect(payload.body.error.message).toContain('payload.fields: fields goes with mode: "changes"');
  });

  it('POST /v1/filters/test says whether an event matches, and which condition failed', async () => {
    const [logged] = (await h.api('GET', '/v1/events?type=lead.created&limit=1')).body.data;
    const body = JSON.parse(JSON.stringify(logged.body ?? logged));
    const ok = await h.api('POST', '/v1/filters/test', { filter: { type: 'lead.created', 'data.lead.id': logged.leadId ?? body.data.lead.id }, eventId: logged.id });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ matches: true, failure: null, conditions: 2, eventId: logged.id });

    const event = { type: 'lead.updated', data: { lead: { status: 'NEW', owner: { id: 'u1' } }, previous: { status: 'OPEN' }, changes: ['owner.id'] } };
    const to = await h.api('POST', '/v1/filters/test', { filter: { 'data.lead.status': { $to: 'won' } }, event });
    expect(to.body).toMatchObject({ matches: false, failure: { at: 'filter.data.lead.status.$to', message: 'data.lead.status did not change (data.changes is ["owner.id"])' } });
    const or = await h.api('POST', '/v1/filters/test', { filter: { $or: [{ 'data.lead.status': 'won' }, { 'data.lead.owner.id': { $in: ['u2', 'u3'] } }] }, event });
    expect(or.body.failure).toEqual({
      at: 'filter.$or',
      message: 'none of the 2 alternatives matched',
      branches: [
        { at: 'filter.$or[0].data.lead.status', message: 'data.lead.status is "NEW"; expected "won"' },
        { at: 'filter.$or[1].data.lead.owner.id.$in', message: 'data.lead.owner.id is "u1"; $in ["u2","u3"] does not hold' },
      ],
    });
    const owner = await h.api('POST', '/v1/filters/test', { filter: { 'data.lead.owner.id': { $to: 'u1' }, 'data.changes': { $changed: ['owner'] } }, event });
    expect(owner.body).toMatchObject({ matches: true, failure: null });
    expect((await h.api('POST', '/v1/filters/test', { filter: { type: 'x' }, eventId: 'evt_nope' })).status).toBe(404);
    const both = await h.api('POST', '/v1/filters/test', { filter: { type: 'x' }, eventId: logged.id, event });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain('give either event (a webhook body) or eventId');
  });

  it('$regex cannot stall: catastrophic patterns on long values still answer (RE2, or V8 with its linear fallback)', async () => {
    const long = 'a'.repeat(20_000) + '!';
    // Each of these takes a backtracking engine longer than the age of the universe on this input.
    const cases: Array<[string, boolean]> = [
      ['(a+)+$', false],
      ['(a|aa)*$', true], // zero repetitions at the end of the text
      ['(a*)*b', false],
      ['.*.*.*.*.*.*x', false],
      ['^(\\w+\\s?)*$', false],
      ['(?i)(A+)+$', false],
    ];
    for (const [pattern, matches] of cases) {
      const res = await h.api('POST', '/v1/filters/test', { filter: { 'data.lead.notes': { $regex: pattern } }, event: { type: 'lead.created', data: { lead: { notes: long } } } });
      expect(res.status, pattern).toBe(200);
      expect(res.body.matches, pattern).toBe(matches);
    }
    // Ordinary patterns behave as in any engine.
    const probe = async (pattern: string, value: string) =>
      (await h.api('POST', '/v1/filters/test', { filter: { 'data.lead.email': { $regex: pattern } }, event: { type: 'lead.created', data: { lead: { email: value } } } })).body.matches;
    expect(await probe('@example\\.com$', 'ann@example.com')).toBe(true);
    expect(await probe('@example\\.com$', 'ann@example.com.evil')).toBe(false);
    expect(await probe('(?i)^ANN', 'ann@example.com')).toBe(true);
    expect(await probe('^ANN', 'ann@example.com')).toBe(false);
    expect(await probe('\\bann\\b', 'to ann b')).toBe(true);
  });

  it('replay applies the filter unless ignoreFilter, and says how many it kept back', async () => {
    const all = (await h.api('GET', '/v1/events?limit=200')).body.data.filter((e: any) => e.type !== 'ping');
    const created = all.filter((e: any) => e.type === 'lead.created');
    expect(created.length).toBeGreaterThan(0);
    expect(created.length).toBeLessThan(all.length);
    const sub = await newSubscriber();
    const res = await h.api('POST', '/v1/subscriptions', { url: sub.url, secret: sub.secret, filter: { type: 'lead.created' } });
    const id = res.body.id;
    const since = '2000-01-01T00:00:00Z';
    const filtered = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since });
    expect(filtered.status).toBe(202);
    expect(filtered.body).toMatchObject({ matched: created.length, filtered: all.length - created.length, queued: created.length });
    await h.waitIdle();
    expect(new Set(sub.accepted.map((r) => r.id))).toEqual(new Set(created.map((e: any) => e.id)));
    const everything = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since, ignoreFilter: true });
    expect(everything.body).toMatchObject({ matched: all.length, filtered: 0, queued: all.length });
    await h.waitIdle();
    expect(new Set(sub.accepted.map((r) => r.id))).toEqual(new Set(all.map((e: any) => e.id)));
    // Replay does not add to the fan-out count.
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.filteredCount).toBe(0);
  });

  it('compact payloads: raw left out, or only changes, the lead id and chosen fields; signed as sent', async () => {
    const noRaw = await newSubscriber();
    const compact = await newSubscriber();
    await h.api('POST', '/v1/subscriptions', { url: noRaw.url, secret: noRaw.secret, events: ['lead.updated'], payload: { raw: false } });
    const c = await h.api('POST', '/v1/subscriptions', {
      url: compact.url,
      secret: compact.secret,
      events: ['lead.updated'],
      payload: { mode: 'changes', fields: ['status', 'owner.id', 'raw.isQualified'] },
    });
    expect(c.body.payload).toEqual({ mode: 'changes', fields: ['status', 'owner.id', 'raw.isQualified'] });
    const mark = h.sub.received.length;
    for (const id of h.apten.leads().map((l) => l.id).slice(0, 3)) h.apten.updateLead(id, { isQualified: !h.apten.getLead(id)!.isQualified });
    await h.sync();
    await h.waitIdle();
    const full = h.sub.received.slice(mark).filter((r) => r.type === 'lead.updated');
    expect(full.length).toBe(3);
    for (const f of full) {
      const a = noRaw.received.find((r) => r.id === f.id)!;
      const b = compact.received.find((r) => r.id === f.id)!;
      // Each verified by the subscriber (standardwebhooks) over the bytes it got.
      expect(a.verified && b.verified).toBe(true);
      const { raw: _r1, ...lead } = f.body.data.lead;
      const { raw: _r2, ...previous } = f.body.data.previous;
      expect(a.body).toEqual({ ...f.body, data: { ...f.body.data, lead, previous } });
      expect(a.raw.length).toBeLessThan(f.raw.length);
      expect(b.body).toEqual({
        type: 'lead.updated',
        timestamp: f.body.timestamp,
        data: {
          source: f.body.data.source,
          vendor: 'apten',
          leadId: f.body.data.lead.id,
          changes: f.body.data.changes,
          lead: { id: f.body.data.lead.id, status: f.body.data.lead.status, 'owner.id': null, 'raw.isQualified': f.body.data.lead.raw.isQualified },
          previous: { id: f.body.data.lead.id, status: f.body.data.previous.status, 'owner.id': null, 'raw.isQualified': f.body.data.previous.raw.isQualified },
        },
      });
    }
  });
});
