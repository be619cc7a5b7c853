// The "Admin API" contract of interface.md, over real HTTP against a whole relay (harness).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Client, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_SERVER_LIMITS } from '../src/relay.js';
import { ADMIN_TOKEN, APTEN_KEY, Harness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h?.stop();
});

const newSecret = () => 'whsec_' + randomBytes(32).toString('base64');

/** The one error shape: {"error": {"code", "message", "details"}}. */
function expectErrorShape(body: unknown, code?: string) {
  expect(body).toEqual({
    error: {
      code: code ?? expect.any(String),
      message: expect.any(String),
      details: expect.any(Array),
    },
  });
  const err = (body as { error: { code: string; message: string } }).error;
  expect(err.code.length).toBeGreaterThan(0);
  expect(err.message.length).toBeGreaterThan(0);
}

/** The field names in an error's details, e.g. ['url', 'events[0]']. */
function detailFields(body: any): string[] {
  return (body?.error?.details ?? []).map((d: any) => d.field);
}

/** Every key anywhere in a JSON value. */
function allKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      allKeys(v, out);
    }
  }
  return out;
}

/** A raw request, for what h.api cannot express (other auth schemes, streamed bodies). */
async function raw(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Readable } = {}) {
  const res = await request(`${h.relay.url}${path}`, { method: method as 'GET', headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  return { status: res.statusCode, text, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function listSubscriptions(): Promise<any[]> {
  const res = await h.api('GET', '/v1/subscriptions');
  expect(res.status).toBe(200);
  return res.body.data;
}

async function createSubscription(body: Record<string, unknown> = {}) {
  const res = await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/hooks/leads', ...body });
  expect(res.status).toBe(201);
  return res.body;
}

describe('GET /healthz answers 200 {status: ok} without auth', () => {
  it('needs no Authorization header', async () => {
    const res = await h.api('GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', replica: expect.any(String), storage: 'sqlite' });
  });
});

describe('replicas: who polls each source', () => {
  it('a SQLite relay is the one replica: GET /v1/replicas lists it with its sources, GET /v1/sources names it as owner', async () => {
    const { body: health } = await h.api('GET', '/healthz');
    const replicas = await h.api('GET', '/v1/replicas');
    expect(replicas.status).toBe(200);
    expect(replicas.body.data).toEqual([
      { id: health.replica, version: expect.any(String), startedAt: expect.any(String), lastSeenAt: expect.any(String), sources: ['apten'] },
    ]);
    const [source] = (await h.api('GET', '/v1/sources')).body.data;
    expect(source.owner).toBe(health.replica);
    expect(Date.parse(source.leaseExpiresAt)).toBeGreaterThan(Date.parse(replicas.body.data[0].lastSeenAt));
  });
});

describe('every /v1 route needs Authorization: Bearer <adminToken>; otherwise 401 with the error shape', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/v1/sources'],
    ['POST', '/v1/sources/apten/sync'],
    ['GET', '/v1/subscriptions'],
    ['POST', '/v1/subscriptions', { url: 'https://example.com/x' }],
    ['GET', '/v1/subscriptions/all'],
    ['PATCH', '/v1/subscriptions/all', { enabled: false }],
    ['DELETE', '/v1/subscriptions/all'],
    ['GET', '/v1/subscriptions/all/deliveries'],
    ['POST', '/v1/subscriptions/all/rotate-secret'],
    ['POST', '/v1/subscriptions/all/replay', { since: '2020-01-01T00:00:00Z' }],
    ['POST', '/v1/deliveries/del_x/retry'],
    ['GET', '/v1/events'],
    ['POST', '/v1/hooks', { target_url: 'https://example.com/z', event: 'lead.created' }],
    ['DELETE', '/v1/hooks/hook_x'],
    ['GET', '/v1/hooks/samples/lead.created'],
  ];

  it.each(routes)('%s %s rejects a missing token, a wrong token and a non-Bearer scheme', async (method, path, body) => {
    const jsonBody = body === undefined ? undefined : JSON.stringify(body);
    const ct: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    const attempts: Record<string, string>[] = [
      { ...ct },
      { ...ct, authorization: 'Bearer wrong-token-0123456789' },
      { ...ct, authorization: `Bearer ${ADMIN_TOKEN}x` },
      { ...ct, authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      { ...ct, authorization: `Token ${ADMIN_TOKEN}` },
      { ...ct, authorization: ADMIN_TOKEN },
      { ...ct, authorization: 'Bearer ' },
    ];
    for (const headers of attempts) {
      const res = await raw(method, path, { headers, body: jsonBody });
      expect(res.status, `${method} ${path} with ${JSON.stringify(headers.authorization)}`).toBe(401);
      expectErrorShape(res.body, 'unauthorized');
      expect(res.text).not.toContain(ADMIN_TOKEN);
    }
  });

  it('changes nothing when rejected', async () => {
    const before = await listSubscriptions();
    expect((await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/x' }, 'nope-nope-nope-nope')).status).toBe(401);
    expect((await h.api('DELETE', '/v1/subscriptions/all', undefined, null)).status).toBe(401);
    expect((await h.api('PATCH', '/v1/subscriptions/all', { enabled: false }, null)).status).toBe(401);
    expect(await listSubscriptions()).toEqual(before);
  });

  it('accepts the right token (the same requests succeed with it)', async () => {
    expect((await h.api('GET', '/v1/sources')).status).toBe(200);
    expect((await h.api('GET', '/v1/subscriptions')).status).toBe(200);
  });
});

describe('subscriptions: create, list, get, update, delete', () => {
  it('POST creates with defaults and returns a whsec_ secret once', async () => {
    const before = Date.now();
    const res = await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/hooks/a' });
    expect(res.status).toBe(201);
    const s = res.body;
    expect(s.id).toMatch(/^sub_/);
    expect(s.url).toBe('https://example.com/hooks/a');
    expect(s.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(s.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(s.events).toEqual(['*']);
    expect(s.sources).toBeNull();
    expect(s.description).toBeNull();
    expect(s.enabled).toBe(true);
    expect(typeof s.createdAt).toBe('string');
    expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
    expect(Date.parse(s.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);

    // Two creations get different ids and different secrets.
    const other = await createSubscription();
    expect(other.id).not.toBe(s.id);
    expect(other.secret).not.toBe(s.secret);
  });

  it('POST keeps every provided field, including a provided secret', async () => {
    const secret = newSecret();
    const s = await createSubscription({
      url: 'https://example.com/hooks/b',
      events: ['lead.created', 'event.*'],
      sources: ['apten'],
      description: 'CRM sync',
      secret,
    });
    expect(s.secret).toBe(secret);
    expect(s.events).toEqual(['lead.created', 'event.*']);
    expect(s.sources).toEqual(['apten']);
    expect(s.description).toBe('CRM sync');
    const got = await h.api('GET', `/v1/subscriptions/${s.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: s.id, url: 'https://example.com/hooks/b', events: ['lead.created', 'event.*'], sources: ['apten'], description: 'CRM sync', enabled: true });
  });

  it('POST with a malformed secret is 400 naming secret, and creates nothing', async () => {
    const before = await listSubscriptions();
    for (const secret of ['not-a-secret', 'whsec_', 'whsec_abc', 'whsec_!!!!' + 'A'.repeat(40), newSecret().slice('whsec_'.length)]) {
      const res = await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/x', secret });
      expect(res.status, secret).toBe(400);
      expectErrorShape(res.body, 'invalid_request');
      expect(detailFields(res.body)).toContain('secret');
      // The rejected value is not echoed back.
      if (secret.length > 'whsec_'.length + 4) expect(JSON.stringify(res.body)).not.toContain(secret);
    }
    expect(await listSubscriptions()).toEqual(before);
  });

  it('GET list is {data: [...], nextCursor} with no secret anywhere', async () => {
    const created = await createSubscription({ secret: newSecret() });
    const res = await h.api('GET', '/v1/subscriptions');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['data', 'nextCursor']); // paged like the other lists
    expect(res.body.nextCursor).toBeNull();
    const ids = res.body.data.map((s: any) => s.id);
    expect(ids).toContain(created.id);
    expect(ids).toContain('all'); // the harness's config subscription
    expect(allKeys(res.body).has('secret')).toBe(false);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(h.sub.secret);
    expect(text).not.toContain('whsec_');
  });

  it('GET one returns it (without the secret); unknown id is 404 with the error shape', async () => {
    const created = await createSubscription({ description: 'one' });
    const res = await h.api('GET', `/v1/subscriptions/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created.id,
      url: created.url,
      events: ['*'],
      sources: null,
      description: 'one',
      enabled: true,
      createdAt: created.createdAt,
    });
    expect(allKeys(res.body).has('secret')).toBe(false);
    expect(JSON.stringify(res.body)).not.toContain(created.secret);

    const config = await h.api('GET', '/v1/subscriptions/all');
    expect(config.status).toBe(200);
    expect(JSON.stringify(config.body)).not.toContain(h.sub.secret);

    const missing = await h.api('GET', '/v1/subscriptions/sub_doesnotexist');
    expect(missing.status).toBe(404);
    expectErrorShape(missing.body, 'not_found');
    for (const [method, path, body] of [
      ['PATCH', '/v1/subscriptions/sub_doesnotexist', { enabled: false }],
      ['DELETE', '/v1/subscriptions/sub_doesnotexist', undefined],
      ['GET', '/v1/subscriptions/sub_doesnotexist/deliveries', undefined],
    ] as const) {
      const r = await h.api(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expectErrorShape(r.body, 'not_found');
    }
  });

  it('PATCH changes url, events, description and enabled, and GET reflects it', async () => {
    const created = await createSubscription({ description: 'before' });
    const res = await h.api('PATCH', `/v1/subscriptions/${created.id}`, {
      url: 'https://example.org/new',
      events: ['lead.deleted'],
      description: 'after',
      enabled: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, url: 'https://example.org/new', events: ['lead.deleted'], description: 'after', enabled: false });
    expect(allKeys(res.body).has('secret')).toBe(false);
    const got = await h.api('GET', `/v1/subscriptions/${created.id}`);
    expect(got.body).toMatchObject({ url: 'https://example.org/new', events: ['lead.deleted'], description: 'after', enabled: false, createdAt: created.createdAt });

    // sources and description can be set and cleared again.
    const withSources = await h.api('PATCH', `/v1/subscriptions/${created.id}`, { sources: ['apten'], description: null });
    expect(withSources.status).toBe(200);
    expect(withSources.body).toMatchObject({ sources: ['apten'], description: null, url: 'https://example.org/new' });
    const cleared = await h.api('PATCH', `/v1/subscriptions/${created.id}`, { sources: null });
    expect(cleared.body.sources).toBeNull();
    expect((await h.api('GET', `/v1/subscriptions/${created.id}`)).body.sources).toBeNull();
  });

  it('PATCH {} is 400 and changes nothing', async () => {
    const created = await createSubscription();
    const before = (await h.api('GET', `/v1/subscriptions/${created.id}`)).body;
    const res = await h.api('PATCH', `/v1/subscriptions/${created.id}`, {});
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'invalid_request');
    expect((await h.api('GET', `/v1/subscriptions/${created.id}`)).body).toEqual(before);
  });

  it('PATCH with one bad field applies none of the others', async () => {
    const created = await createSubscription({ description: 'keep' });
    const before = (await h.api('GET', `/v1/subscriptions/${created.id}`)).body;
    const bodies: Array<[Record<string, unknown>, string]> = [
      [{ url: 'https://example.org/changed', events: ['lead.nope'] }, 'events[0]'],
      [{ description: 'changed', enabled: 'yes' }, 'enabled'],
      [{ url: 'ftp://x', description: 'changed' }, 'url'],
      [{ description: 'changed', sources: ['no-such-source'] }, 'sources[0]'],
    ];
    for (const [body, field] of bodies) {
      const res = await h.api('PATCH', `/v1/subscriptions/${created.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(detailFields(res.body)).toContain(field);
    }
    expect((await h.api('GET', `/v1/subscriptions/${created.id}`)).body).toEqual(before);
  });

  it('PATCH enabled:false sets a disabledReason; enabled:true clears it', async () => {
    const created = await createSubscription();
    const off = await h.api('PATCH', `/v1/subscriptions/${created.id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.enabled).toBe(false);
    expect(off.body.disabledReason).toEqual(expect.any(String));
    const on = await h.api('PATCH', `/v1/subscriptions/${created.id}`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.enabled).toBe(true);
    expect(on.body.disabledReason).toBeNull();
    const got = await h.api('GET', `/v1/subscriptions/${created.id}`);
    expect(got.body).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('DELETE answers 204, then the subscription is gone', async () => {
    const created = await createSubscription();
    const res = await h.api('DELETE', `/v1/subscriptions/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const got = await h.api('GET', `/v1/subscriptions/${created.id}`);
    expect(got.status).toBe(404);
    expectErrorShape(got.body, 'not_found');
    expect((await listSubscriptions()).map((s) => s.id)).not.toContain(created.id);
    const again = await h.api('DELETE', `/v1/subscriptions/${created.id}`);
    expect(again.status).toBe(404);
  });

  it('a config-defined subscription can be disabled, but not edited or deleted (409 managed_by_config)', async () => {
    const off = await h.api('PATCH', '/v1/subscriptions/all', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: 'all', enabled: false });
    expect((await h.api('GET', '/v1/subscriptions/all')).body.enabled).toBe(false);

    const edit = await h.api('PATCH', '/v1/subscriptions/all', { url: 'https://example.org/elsewhere' });
    expect(edit.status).toBe(409);
    expectErrorShape(edit.body, 'managed_by_config');
    // Mixed with enabled, another field still makes it a 409.
    const mixed = await h.api('PATCH', '/v1/subscriptions/all', { enabled: true, description: 'x' });
    expect(mixed.status).toBe(409);
    expectErrorShape(mixed.body, 'managed_by_config');

    const del = await h.api('DELETE', '/v1/subscriptions/all');
    expect(del.status).toBe(409);
    expectErrorShape(del.body, 'managed_by_config');

    const got = await h.api('GET', '/v1/subscriptions/all');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'all', url: h.sub.url, enabled: false });

    const on = await h.api('PATCH', '/v1/subscriptions/all', { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('GET /v1/subscriptions/:id/secret reveals the signing secret, also one the relay generated', async () => {
    const created = (await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/hook' })).body;
    const got = await h.api('GET', `/v1/subscriptions/${created.id}/secret`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ secret: created.secret });
    // The harness's config subscription carries the secret its subscriber verifies with.
    expect((await h.api('GET', '/v1/subscriptions/all/secret')).body.secret).toBe(h.sub.secret);
    expect((await h.api('GET', '/v1/subscriptions/sub_nope/secret')).status).toBe(404);
    expect((await h.api('GET', `/v1/subscriptions/${created.id}/secret`, undefined, null)).status).toBe(401);
  });
});

describe('bad request bodies get 400 (or 413) naming the field, and change nothing', () => {
  async function expectRejected(
    body: unknown,
    expected: { status?: number; code?: string; field?: string; mentions?: string },
  ) {
    const before = await listSubscriptions();
    const res = await h.api('POST', '/v1/subscriptions', body);
    expect(res.status, JSON.stringify(body)?.slice(0, 100)).toBe(expected.status ?? 400);
    expectErrorShape(res.body, expected.code);
    if (expected.field) expect(detailFields(res.body)).toContain(expected.field);
    if (expected.mentions) {
      const err = res.body.error;
      expect(err.message).toContain(expected.mentions);
      expect(err.details.map((d: any) => d.message).join('\n')).toContain(expected.mentions);
    }
    expect(await listSubscriptions()).toEqual(before);
    return res;
  }

  it('invalid JSON is 400 invalid_json', async () => {
    await expectRejected('{"url": "https://example.com/x",', { code: 'invalid_json' });
    await expectRejected("{url: 'https://example.com/x'}", { code: 'invalid_json' });
  });

  it('a JSON array or a JSON string instead of an object is 400', async () => {
    await expectRejected([{ url: 'https://example.com/x' }], { code: 'invalid_request' });
    await expectRejected('"https://example.com/x"', { code: 'invalid_request' });
    await expectRejected('null', { code: 'invalid_request' });
    await expectRejected('42', { code: 'invalid_request' });
  });

  it('a missing url is 400 naming url', async () => {
    await expectRejected({ events: ['lead.created'] }, { code: 'invalid_request', field: 'url' });
  });

  it('a non-http url is 400 naming url', async () => {
    await expectRejected({ url: 'ftp://x' }, { code: 'invalid_request', field: 'url' });
    await expectRejected({ url: 'not a url' }, { code: 'invalid_request', field: 'url' });
    await expectRejected({ url: 42 }, { code: 'invalid_request', field: 'url' });
  });

  it('an unknown event type is 400 naming events[0]', async () => {
    await expectRejected({ url: 'https://example.com/x', events: ['lead.nope'] }, { code: 'invalid_request', field: 'events[0]' });
    await expectRejected({ url: 'https://example.com/x', events: ['lead.created', 'nope'] }, { field: 'events[1]' });
    await expectRejected({ url: 'https://example.com/x', events: [] }, { field: 'events' });
  });

  it('an unknown field is 400 naming it', async () => {
    await expectRejected({ url: 'https://example.com/x', colour: 'red' }, { code: 'invalid_request', mentions: 'colour' });
    // A typo of a real field too: it must not be silently dropped.
    await expectRejected({ url: 'https://example.com/x', event: ['lead.created'] }, { code: 'invalid_request', mentions: '"event"' });
  });

  it('an unknown source is 400 naming sources[0]', async () => {
    await expectRejected({ url: 'https://example.com/x', sources: ['no-such-source'] }, { code: 'invalid_request', field: 'sources[0]' });
    await expectRejected({ url: 'https://example.com/x', sources: ['apten', 'nope'] }, { field: 'sources[1]' });
  });

  it('several problems are all named at once', async () => {
    const res = await expectRejected({ url: 'ftp://x', events: ['lead.nope'] }, { code: 'invalid_request' });
    expect(detailFields(res.body)).toEqual(expect.arrayContaining(['url', 'events[0]']));
  });

  it('a body over 64 KiB is 413', async () => {
    await expectRejected({ url: 'https://example.com/x', description: 'x'.repeat(65 * 1024) }, { status: 413 });
  });

  it('a body over 64 KiB without a content-length (chunked) is 413 too', async () => {
    const before = await listSubscriptions();
    const payload = JSON.stringify({ url: 'https://example.com/x', description: 'y'.repeat(70 * 1024) });
    const res = await raw('POST', '/v1/subscriptions', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: Readable.from([payload.slice(0, 1000), payload.slice(1000)]),
    });
    expect(res.status).toBe(413);
    expectErrorShape(res.body);
    expect(await listSubscriptions()).toEqual(before);
  });

  it('a keep-alive client goes on working after a body is refused unread (413, 401)', async () => {
    // One connection, requests in sequence, as Node's fetch and most HTTP clients reuse it.
    const client = new Client(h.relay.url!, { pipelining: 1 });
    try {
      const big = Buffer.alloc(2 * 1024 * 1024, 'a');
      const refused = [
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: big, status: 413 },
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: Readable.from([big, big]), status: 413 },
        { headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'application/json' }, body: big, status: 401 },
      ];
      for (const r of refused) {
        const res = await client.request({ path: '/v1/subscriptions', method: 'POST', headers: r.headers, body: r.body });
        expect(res.statusCode).toBe(r.status);
        // The relay did not read the body, so it says it closes the connection rather than dropping it later.
        expect(res.headers.connection).toBe('close');
        await res.body.text();
        for (let i = 0; i < 2; i++) {
          const next = await client.request({ path: '/healthz', method: 'GET' });
          expect(next.statusCode).toBe(200);
          expect(await next.body.json()).toMatchObject({ status: 'ok' });
        }
      }
    } finally {
      await client.close();
    }
  });

  it('an empty body is 400', async () => {
    await expectRejected('', { code: 'invalid_request' });
  });
});

describe('GET /v1/sources and POST /v1/sources/:id/sync', () => {
  it('shows the apten source after a successful sync: vendor, result ok, live lead count, cursor, no error', async () => {
    const leads = [h.apten.createLead(), h.apten.createLead(), h.apten.createLead(), h.apten.createLead()];
    await h.sync();
    h.apten.deleteLead(leads[1]!.id);
    h.apten.createLead();
    const result = await h.sync();
    expect(result.status).toBe('ok');
    const live = h.apten.leads().filter((l) => !l.deleted).length;
    expect(live).toBe(4);

    const res = await h.api('GET', '/v1/sources');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const src = res.body.data[0];
    expect(src.id).toBe('apten');
    expect(src.vendor).toBe('apten');
    expect(src.lastSync.result).toBe('ok');
    expect(Date.parse(src.lastSync.startedAt)).not.toBeNaN();
    expect(Date.parse(src.lastSync.finishedAt)).toBeGreaterThanOrEqual(Date.parse(src.lastSync.startedAt));
    expect(src.leadCount).toBe(live);
    expect(src).toHaveProperty('cursor');
    expect(src.cursor).not.toBeNull();
    expect(src.lastError).toBeNull();
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });

  it('a vendor answering 401 shows result error, lastError vendor_auth_failed, and never the api key', async () => {
    h.apten.failNext(5, { status: 401 });
    const result = await h.sync();
    expect(result.status).toBe('error');
    const res = await h.api('GET', '/v1/sources');
    expect(res.status).toBe(200);
    const src = res.body.data.find((s: any) => s.id === 'apten');
    expect(src.lastSync.result).toBe('error');
    expect(src.lastError).toEqual({ code: 'vendor_auth_failed', message: expect.any(String) });
    expect(src.lastError.message.length).toBeGreaterThan(0);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(APTEN_KEY);
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(JSON.stringify(result)).not.toContain(APTEN_KEY);

    // Once the vendor answers again (the queued faults are used up), a sync clears the error.
    let ok = result;
    for (let i = 0; i < 6 && ok.status !== 'ok'; i++) ok = await h.sync();
    expect(ok.status).toBe('ok');
    const after = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(after.lastSync.result).toBe('ok');
    expect(after.lastError).toBeNull();
  });

  it('POST /v1/sources/nope/sync is 404 with the error shape', async () => {
    const res = await h.api('POST', '/v1/sources/nope/sync');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'not_found');
  });

  it('POST /v1/sources/apten/sync answers 202 at once and the sync then runs', async () => {
    const lead = h.apten.createLead();
    const res = await h.api('POST', '/v1/sources/apten/sync');
    expect(res.status).toBe(202);
    await h.waitIdle();
    const src = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(src.leadCount).toBe(1);
    expect(h.sub.accepted.some((r) => r.body.data.lead?.id === lead.id)).toBe(true);
  });
});

describe('GET /v1/subscriptions/:id/deliveries', () => {
  /** Five leads: four delivered fine, one the subscriber keeps refusing (so it fails after the retries). */
  async function deliverSome() {
    const leads = Array.from({ length: 5 }, () => h.apten.createLead());
    const refused = leads[2]!.id;
    h.sub.respond = ({ body }) => (body?.data?.lead?.id === refused ? 500 : 204);
    await h.sync();
    await h.waitIdle();
    return { leads, refused };
  }

  it('lists each delivery with its attempts (status code, duration)', async () => {
    const { leads, refused } = await deliverSome();
    const res = await h.api('GET', '/v1/subscriptions/all/deliveries');
    expect(res.status).toBe(200);
    const data: any[] = res.body.data;
    expect(data).toHaveLength(leads.length);
    expect(res.body.nextCursor).toBeNull();
    expect(new Set(data.map((d) => d.leadId))).toEqual(new Set(leads.map((l) => l.id)));
    for (const d of data) {
      expect(d.subscriptionId).toBe('all');
      expect(d.eventType).toBe('lead.created');
      expect(d.eventId).toMatch(/^evt_/);
      expect(d.attemptLog.length).toBeGreaterThanOrEqual(1);
      for (const a of d.attemptLog) {
        expect(typeof a.durationMs).toBe('number');
        expect(a.durationMs).toBeGreaterThanOrEqual(0);
        expect(Date.parse(a.at)).not.toBeNaN();
      }
      if (d.leadId === refused) {
        expect(d.status).toBe('failed');
        expect(d.attemptLog).toHaveLength(4); // first attempt + three retries
        expect(d.attemptLog.every((a: any) => a.statusCode === 500)).toBe(true);
      } else {
        expect(d.status).toBe('succeeded');
        expect(d.attemptLog).toHaveLength(1);
        expect(d.attemptLog[0].statusCode).toBe(204);
        expect(d.attemptLog[0].error).toBeNull();
      }
    }
  });

  it('?status= filters', async () => {
    const { refused } = await deliverSome();
    const ok = await h.api('GET', '/v1/subscriptions/all/deliveries?status=succeeded');
    expect(ok.status).toBe(200);
    expect(ok.body.data).toHaveLength(4);
    expect(ok.body.data.every((d: any) => d.status === 'succeeded')).toBe(true);
    expect(ok.body.data.map((d: any) => d.leadId)).not.toContain(refused);
    const failed = await h.api('GET', '/v1/subscriptions/all/deliveries?status=failed');
    expect(failed.body.data.map((d: any) => d.leadId)).toEqual([refused]);
    const pending = await h.api('GET', '/v1/subscriptions/all/deliveries?status=pending');
    expect(pending.body.data).toEqual([]);
  });

  it('?limit=2 pages with nextCursor, without overlap or gaps', async () => {
    await deliverSome();
    const all = (await h.api('GET', '/v1/subscriptions/all/deliveries?limit=200')).body.data.map((d: any) => d.id);
    expect(all).toHaveLength(5);

    const first = await h.api('GET', '/v1/subscriptions/all/deliveries?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await h.api('GET', `/v1/subscriptions/all/deliveries?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.data).toHaveLength(2);
    const firstIds = first.body.data.map((d: any) => d.id);
    const secondIds = second.body.data.map((d: any) => d.id);
    expect(secondIds.filter((id: string) => firstIds.includes(id))).toEqual([]);

    // Walking to the end visits every delivery exactly once, in the same order as one big page.
    const seen = [...firstIds, ...secondIds];
    let cursor: string | null = second.body.nextCursor;
    while (cursor) {
      const page = await h.api('GET', `/v1/subscriptions/all/deliveries?limit=2&cursor=${encodeURIComponent(cursor)}`);
      seen.push(...page.body.data.map((d: any) => d.id));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual(all);
  });

  it('a bad query (limit=0, limit=abc, status=bogus) is 400', async () => {
    for (const q of ['limit=0', 'limit=abc', 'limit=-1', 'limit=1.5', 'status=bogus']) {
      const res = await h.api('GET', `/v1/subscriptions/all/deliveries?${q}`);
      expect(res.status, q).toBe(400);
      expectErrorShape(res.body, 'invalid_request');
      expect(detailFields(res.body)).toContain(q.split('=')[0]);
    }
  });
});

describe('an unknown route is 404 with the error shape', () => {
  it('outside and inside /v1', async () => {
    for (const [path, token] of [
      ['/nope', null],
      ['/v1/nope', ADMIN_TOKEN],
      ['/v1/subscriptions/all/nope', ADMIN_TOKEN],
    ] as const) {
      const res = await h.api('GET', path, undefined, token);
      expect(res.status, path).toBe(404);
      expectErrorShape(res.body, 'not_found');
    }
  });
});

describe('idle and slow clients cannot hold the admin server', () => {
  /** A raw TCP connection to the relay, recording what comes back and when it is closed. */
  function rawConnection(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const { hostname, port } = new URL(h.relay.url!);
    return new Promise((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), hostname, () => resolve({ socket, received: () => received, closed }));
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
      socket.on('error', reject);
    });
  }
  const closedWithin = (c: { closed: Promise<void> }, ms: number) =>
    Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

  it('a connection that never completes its request headers gets 408 and is closed (headersTimeout 10 s), while others are served', async () => {
    const slow = await rawConnection();
    slow.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${new URL(h.relay.url!).host}\r\nX-Slow: `); // and nothing more
    const silent = await rawConnection();
    expect((await h.api('GET', '/healthz')).status).toBe(200);
    // Generous: 10 s plus the 1 s check interval; Node's own defaults took 60-90 s.
    expect(await closedWithin(slow, 30_000)).toBe(true);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(await closedWithin(silent, 5_000)).toBe(true);
  }, 45_000);

  it('an idle keep-alive connection is closed after keepAliveTimeout (5 s), a body trickling in past requestTimeout (30 s) gets 408', async () => {
    const host = new URL(h.relay.url!).host;
    const token = `Bearer ${ADMIN_TOKEN}`;
    // Both run at once, so the test waits for the longer one only.
    const idle = await rawConnection();
    idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
    const trickle = await rawConnection();
    const openedAt = Date.now();
    trickle.socket.write(
      `POST /v1/subscriptions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // One byte every 2 s: headers are complete, the body never is, and no pause is long enough to
    // count as idle. Stops when the server closes the connection.
    const drip = setInterval(() => trickle.socket.writable && trickle.socket.write(' '), 2_000);
    try {
      // Generous deadlines: each timeout plus its 1 s check interval, on a loaded machine.
      expect(await closedWithin(idle, 20_000)).toBe(true);
      expect(idle.received()).toMatch(/^HTTP\/1\.1 200 /);
      expect(await closedWithin(trickle, 60_000)).toBe(true);
      // Closed by the request timeout, not sooner: the drip kept it from looking idle.
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(ADMIN_SERVER_LIMITS.requestTimeoutMs - 1_000);
      expect(trickle.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
      trickle.socket.destroy();
    }
    expect((await h.api('GET', '/v1/subscriptions')).status).toBe(200);
  }, 90_000);

  it(`refuses connections past ${ADMIN_SERVER_LIMITS.maxConnections} at once, and serves again when they go`, async () => {
    const held: Array<Awaited<ReturnType<typeof rawConnection>>> = [];
    try {
      for (let i = 0; i < ADMIN_SERVER_LIMITS.maxConnections; i++) held.push(await rawConnection());
      const extra = await rawConnection();
      expect(await closedWithin(extra, 5_000)).toBe(true);
      expect(extra.received()).toBe('');
    } finally {
      for (const c of held) c.socket.destroy();
    }
    await waitFor(async () => (await h.api('GET', '/healthz')).status === 200, { what: 'the relay to serve again' });
  });
});
