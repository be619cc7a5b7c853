// Subscription content filters over real HTTP (interface.md "Subscription filters", docs/filters.md):
// a relay reading a vendor simulator, a catch-all subscriber that sees every webhook, and one
// verifying subscriber per filter. What each filtered subscriber must receive is worked out here,
// by hand, from the catch-all's bodies: the filter engine is not used to judge itself.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AptenSimulator, AptenVendorSim } from '../src/sim/apten/index.js';
import { NexusSimulator } from '../src/sim/nexus/index.js';
import { PenguinMailsSimulator } from '../src/sim/penguinmails/index.js';
import { MegaSimulator } from '../src/sim/mega/index.js';
import type { VendorSimulator } from '../src/sim/common/types.js';
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

const VENDORS: Array<{ vendor: string; make: () => VendorSimulator; source?: Record<string, unknown> }> = [
  { vendor: 'apten', make: () => new AptenVendorSim(new AptenSimulator({ apiKey: 'apten-filter-key' })) },
  { vendor: 'nexus-erp', make: () => new NexusSimulator({ apiKey: 'nexus-filter-key' }) },
  { vendor: 'penguinmails', make: () => new PenguinMailsSimulator({ apiKey: 'penguin-filter-key', rateLimits: [] }), source: { rateLimits: [], detailRefreshPerPoll: 0 } },
  { vendor: 'mega', make: () => new MegaSimulator({ rateLimits: [] }), source: { fullScanEvery: 1, rateLimits: [] } },
];

describe.each(VENDORS)('filters over HTTP: $changed, $from, $to on $vendor events', ({ make, source }) => {
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
