// REST hooks (POST/DELETE /v1/hooks, GET /v1/hooks/samples/:type): Zapier's subscribe/unsubscribe
// protocol on top of subscriptions. Real HTTP throughout: admin API, vendor simulator, subscribers.
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/delivery/sign.js';
import { EVENT_TYPES } from '../src/model.js';
import { MegaSimulator } from '../src/vendors/mega/sim/index.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { sleep, waitFor } from './helpers/wait.js';

let h: Harness;
const extra: TestSubscriber[] = [];
afterEach(async () => {
  await h?.stop();
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

async function subscriber(): Promise<TestSubscriber> {
  const s = await new TestSubscriber(generateSecret()).start();
  extra.push(s);
  return s;
}

/** Subscribes a hook and points the subscriber at the secret the relay generated for it. */
async function hook(target: TestSubscriber, event: string, more: Record<string, unknown> = {}) {
  const res = await h.api('POST', '/v1/hooks', { target_url: target.url, event, ...more });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const secret = await h.api('GET', `/v1/subscriptions/${res.body.id}/secret`);
  target.secret = secret.body.secret;
  return res.body as { id: string; event: string; target_url: string; sources: string[] | null };
}

function expectBadRequestNaming(res: { status: number; body: any }, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('invalid_request');
  const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
  expect(fields.some((f) => f === field || f.startsWith(`${field}[`)), JSON.stringify(res.body)).toBe(true);
}

describe('POST /v1/hooks', () => {
  it('subscribes a target to one event type: a signed subscription with origin "hook"', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const target = await subscriber();
    const created = await hook(target, 'lead.created');
    expect(created).toEqual({ id: expect.stringMatching(/^sub_/), event: 'lead.created', target_url: target.url, sources: null, filter: null, payload: null });

    const listed = (await h.api('GET', '/v1/subscriptions')).body.data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.id, url: target.url, events: ['lead.created'], sources: null, enabled: true, origin: 'hook' });
    expect(target.secret).toMatch(/^whsec_/);

    const lead = h.apten.createLead();
    await h.sync();
    await waitFor(() => target.accepted.length === 1, { what: 'the hook to get lead.created' });
    const [r] = target.received;
    expect(r!.verified).toBe(true); // standard headers and signature, even though Zapier ignores them
    expect(r!.headers['content-type']).toMatch(/^application\/json/);
    expect(r!.id).toMatch(/^evt_/);
    expect(r!.body).toMatchObject({ type: 'lead.created', data: { source: 'apten', lead: { id: lead.id } } });

    // Only its event type: an update does not reach a lead.created hook.
    h.apten.updateLead(lead.id, { isHot: true });
    await h.sync();
    await h.waitIdle();
    expect(target.received.map((x) => x.type)).toEqual(['lead.created']);
  });

  it('takes patterns and a sources filter', async () => {
    h = await new Harness({ subscriptions: () => [], secondSource: true }).start();
    const leads = await subscriber();
    const fromB = await subscriber();
    await hook(leads, 'lead.*');
    const b = await hook(fromB, '*', { sources: ['apten-b'] });
    expect(b.sources).toEqual(['apten-b']);

    const lead = h.apten.createLead();
    await h.sync('apten');
    await h.waitIdle();
    h.apten.updateLead(lead.id, { isQualified: true });
    await h.sync('apten');
    await h.sync('apten-b');
    await h.waitIdle();
    expect(leads.accepted.map((r) => `${r.type}@${r.body.data.source}`).sort()).toEqual(
      ['lead.created@apten', 'lead.created@apten-b', 'lead.updated@apten'].sort(),
    );
    expect(fromB.accepted.map((r) => `${r.type}@${r.body.data.source}`)).toEqual(['lead.created@apten-b']);
  });

  it('validates the body: 400 naming the field, nothing created; bearer auth like every /v1 route', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const url = 'http://127.0.0.1:9/hook';
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { event: 'lead.created' }), 'target_url');
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { target_url: url }), 'event');
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { target_url: 'not a url', event: 'lead.created' }), 'target_url');
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { target_url: url, event: 'lead.nope' }), 'event');
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { target_url: url, event: ['lead.created'] }), 'event');
    expectBadRequestNaming(await h.api('POST', '/v1/hooks', { target_url: url, event: 'lead.created', sources: ['nope'] }), 'sources[0]');
    expect((await h.api('POST', '/v1/hooks', { target_url: url, event: 'lead.created', url })).status).toBe(400);
    expect((await h.api('POST', '/v1/hooks', '{"target_url":')).body.error.code).toBe('invalid_json');
    expect((await h.api('POST', '/v1/hooks', { target_url: url, event: 'lead.created' }, null)).status).toBe(401);
    expect((await h.api('POST', '/v1/hooks', { target_url: url, event: 'lead.created' }, 'wrong-token-0123456789')).status).toBe(401);
    expect((await h.api('GET', '/v1/hooks/samples/lead.created', undefined, null)).status).toBe(401);
    expect((await h.api('GET', '/v1/subscriptions')).body.data).toEqual([]);
  });

  it('refuses private targets unless allowPrivateTargets (the SSRF guard of subscriptions)', async () => {
    h = await new Harness({ allowPrivateTargets: false, subscriptions: () => [] }).start();
    for (const target_url of ['http://127.0.0.1:8080/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x']) {
      const res = await h.api('POST', '/v1/hooks', { target_url, event: 'lead.created' });
      expect(res.status, target_url).toBe(400);
      expect(res.body.error.code).toBe('target_not_allowed');
      expect(res.body.error.details).toEqual([{ field: 'target_url', message: expect.any(String) }]);
    }
    expect((await h.api('GET', '/v1/subscriptions')).body.data).toEqual([]);
    const ok = await h.api('POST', '/v1/hooks', { target_url: 'https://93.184.216.34/hooks/catch/1/abc/', event: 'lead.created' });
    expect(ok.status).toBe(201);
  });
});

describe('DELETE /v1/hooks/:id', () => {
  it('unsubscribes (204) and nothing more is sent; unknown ids and other subscriptions are 404', async () => {
    h = await new Harness().start(); // with the config subscription "all"
    const target = await subscriber();
    const created = await hook(target, '*');
    const api = await h.api('POST', '/v1/subscriptions', { url: (await subscriber()).url });
    expect(api.status).toBe(201);

    // Only hooks: a subscription made through /v1/subscriptions or the config is not a hook.
    for (const id of [api.body.id, 'all', 'sub_nope']) {
      const res = await h.api('DELETE', `/v1/hooks/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await h.api('GET', `/v1/subscriptions/${api.body.id}`)).status).toBe(200);

    const res = await h.api('DELETE', `/v1/hooks/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect((await h.api('GET', `/v1/subscriptions/${created.id}`)).status).toBe(404);
    expect((await h.api('DELETE', `/v1/hooks/${created.id}`)).status).toBe(404);

    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(h.sub.accepted).toHaveLength(1);
    expect(target.received).toHaveLength(0);
  });
});

describe('410 Gone from a hook target', () => {
  it('removes the hook (a subscription answering 410 is only disabled)', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const zap = await subscriber();
    const plain = await subscriber();
    zap.respond = () => 410;
    plain.respond = () => 410;
    const created = await hook(zap, 'lead.created');
    const sub = await h.api('POST', '/v1/subscriptions', { url: plain.url, secret: plain.secret });

    h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    await waitFor(async () => (await h.api('GET', `/v1/subscriptions/${created.id}`)).status === 404, {
      what: 'the hook to be removed',
    });
    await h.waitIdle();

    // The hook is gone, with its queued deliveries; no retries went out.
    expect(zap.received.length).toBeGreaterThanOrEqual(1);
    expect(zap.received.length).toBeLessThanOrEqual(2); // both leads may have been in flight at once
    expect((await h.api('GET', `/v1/subscriptions/${created.id}/deliveries`)).status).toBe(404);
    expect((await h.api('DELETE', `/v1/hooks/${created.id}`)).status).toBe(404);
    const listed = (await h.api('GET', '/v1/subscriptions')).body.data;
    expect(listed.map((s: any) => s.id)).toEqual([sub.body.id]);
    expect(listed[0]).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410'), origin: 'api' });

    const before = zap.received.length;
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    await sleep(100);
    expect(zap.received).toHaveLength(before);
  });
});

/** Every path into a JSON value with the kind found there (raw vendor records and event data are free-form). */
function shape(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  out.set(path, kind);
  const freeForm = path.endsWith('.raw') || path === 'data.event.data';
  if (kind === 'object' && !freeForm) {
    for (const [k, v] of Object.entries(value as object)) shape(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

/** Same paths; the same kind wherever neither is null (a null is a value unknown in one of them). */
function expectSameShape(sample: unknown, live: unknown, what: string) {
  const a = shape(sample);
  const b = shape(live);
  expect([...a.keys()].sort(), what).toEqual([...b.keys()].sort());
  for (const [path, kind] of a) {
    const other = b.get(path)!;
    if (kind !== 'null' && other !== 'null') expect(kind, `${what}: ${path}`).toBe(other);
  }
}

describe('GET /v1/hooks/samples/:type', () => {
  /** Live webhooks of `types` from a real sync against a simulator, by type. */
  async function liveFromApten() {
    h = await new Harness({ initialSync: 'emit' }).start();
    const lead = h.apten.createLead({ email: 'sam.sample@example.com' });
    const gone = h.apten.createLead();
    await h.sync();
    const msg = h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'OUTBOUND', content: { text: 'Hi!' }, status: 'SENT' } });
    await h.sync();
    h.apten.editEvent(lead.id, msg.id, { status: 'DELIVERED' });
    h.apten.updateLead(lead.id, { isQualified: true });
    h.apten.deleteLead(gone.id);
    await h.sync();
    await h.waitIdle();
    return new Map(h.sub.accepted.map((r) => [r.type, r.body]));
  }

  async function liveFromMega() {
    const mega = new MegaSimulator({ rateLimits: [] });
    // Every poll a full listing, so a deleted lead is reported after two syncs.
    h = await new Harness({ initialSync: 'emit', sim: mega, sourceId: 'mega-acme', source: { fullScanEvery: 1, maxDeleteShare: 1 } }).start();
    const lead = mega.createLead();
    const gone = mega.createLead();
    await h.sync();
    mega.recordInteraction(lead);
    await h.sync();
    mega.deleteLead(gone);
    await h.sync();
    await h.sync();
    await h.waitIdle();
    return new Map(h.sub.accepted.map((r) => [r.type, r.body]));
  }

  const withoutId = ({ id: _id, ...body }: any) => body;

  it('answers 2-3 samples per type, each with an id, of exactly the shape of live webhooks of its vendor', async () => {
    const live = { apten: await liveFromApten(), mega: new Map<string, unknown>() };
    expect([...live.apten.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    const fromApten: Record<string, any[]> = {};
    for (const type of EVENT_TYPES) fromApten[type] = (await h.api('GET', `/v1/hooks/samples/${type}`)).body;
    await h.stop();
    live.mega = await liveFromMega();
    expect([...live.mega.keys()].sort()).toEqual(['event.added', 'lead.created', 'lead.deleted', 'lead.updated']);

    const ids = new Set<string>();
    for (const type of EVENT_TYPES) {
      const res = await h.api('GET', `/v1/hooks/samples/${type}`);
      expect(res.status, type).toBe(200);
      const samples = res.body as any[];
      expect(samples.length, type).toBeGreaterThanOrEqual(2);
      expect(samples.length, type).toBeLessThanOrEqual(3);
      for (const s of samples) {
        expect(s.type).toBe(type);
        // Zapier needs an id in every result: the webhook-id the delivery would carry, stable across calls.
        expect(s.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
        ids.add(s.id);
        expectSameShape(withoutId(s), live[s.data.vendor as 'apten' | 'mega'].get(type), `${type} (${s.data.vendor})`);
        // Each sample names the configured source of its vendor, or the vendor.
        expect(s.data.source).toBe(s.data.vendor === 'mega' ? 'mega-acme' : 'apten');
      }
      expect((await h.api('GET', `/v1/hooks/samples/${type}`)).body.map((s: any) => s.id)).toEqual(samples.map((s) => s.id));
      // The same samples whatever sources are configured, but for the source ids.
      expect(fromApten[type]!.map((s) => withoutId(s).data.vendor)).toEqual(samples.map((s) => s.data.vendor));
    }
    expect(ids.size).toBe(EVENT_TYPES.reduce((n, t) => n + fromApten[t]!.length, 0));

    // The first sample, the one a field mapper shows, has an owner for every lead type and event.added.
    for (const type of ['lead.created', 'lead.updated', 'lead.deleted', 'event.added']) {
      const [first] = fromApten[type]!;
      expect(first.data.vendor, type).toBe('mega');
      expect(first.data.lead.owner, type).toEqual({ id: expect.any(String), name: expect.any(String) });
    }
    // event.added: MEGA's interaction counters and Apten's conversation events.
    const added = fromApten['event.added']!;
    expect(added[0].data.event).toMatchObject({ type: 'interaction', data: { previousCount: expect.any(Number), interactionCount: expect.any(Number), lastInteractionAt: expect.any(String) } });
    expect(added.slice(1).map((s) => [s.data.vendor, s.data.event.type])).toEqual([
      ['apten', 'MESSAGE'],
      ['apten', 'MESSAGE'],
    ]);
    // lead.deleted: a lead found missing (without previous) and vendor deletes (with it).
    const deleted = fromApten['lead.deleted']!;
    expect(deleted.map((d) => d.data.reason)).toEqual(['missing', 'vendor_deleted', 'vendor_deleted']);
    expect(deleted[0].data.previous).toBeUndefined();
    for (const u of fromApten['lead.updated']!) expect(u.data.changes.length).toBeGreaterThan(0);
    expect(fromApten['lead.updated']![0].data.changes).toEqual(expect.arrayContaining(['owner.id', 'owner.name']));
  });

  it('answers the first sample of each matching type for a pattern, and 404 for anything else', async () => {
    h = await new Harness().start();
    const leadTypes = (await h.api('GET', '/v1/hooks/samples/lead.*')).body as any[];
    expect(leadTypes.map((s) => s.type)).toEqual(['lead.created', 'lead.updated', 'lead.deleted']);
    const all = (await h.api('GET', '/v1/hooks/samples/*')).body as any[];
    expect(all.map((s) => s.type)).toEqual([...EVENT_TYPES]);
    for (const bad of ['lead.nope', 'ping', 'lead', 'nope.*']) {
      const res = await h.api('GET', `/v1/hooks/samples/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining(bad), details: [] } });
    }
  });
});
