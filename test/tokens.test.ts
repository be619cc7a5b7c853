// Scoped tokens (issue #12 part 3): server.tokens with admin | read | hooks | metrics, 401 vs 403,
// a read token never sees a secret, a hooks token only touches its own hooks, the token's name (never
// the token) in the access log, and /metrics behind a token with server.metricsAuth: token.
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Harness } from './helpers/harness.js';

const ZAPIER = 'zapier-hooks-token-4b7e1c9d2a';
const ZAPIER_B = 'zapier-other-account-token-91f3';
const GRAFANA = 'grafana-metrics-token-8d3f0a6c';
const ONCALL = 'oncall-read-token-77aa01bc2d5e';
const TOKENS = [
  { name: 'zapier', token: ZAPIER, scopes: ['hooks'] },
  { name: 'zapier-b', token: ZAPIER_B, scopes: ['hooks'] },
  { name: 'grafana', token: GRAFANA, scopes: ['metrics'] },
  { name: 'oncall', token: ONCALL, scopes: ['read'] },
];
const HEADER_VALUE = 'Bearer n8n-static-header-secret-5c2e';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function call(method: string, path: string, token: string | null, body?: unknown) {
  const res = await request(`${h.relay.url}${path}`, {
    method: method as 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // /metrics is text
  }
  return { status: res.statusCode, text, body: json, headers: res.headers };
}

function expectForbidden(res: Awaited<ReturnType<typeof call>>, what: string) {
  expect(res.status, what).toBe(403);
  expect(res.body, what).toEqual({ error: { code: 'insufficient_scope', message: expect.any(String), details: expect.any(Array) } });
}

const parsedLogs = () => h.logs.map((l) => JSON.parse(l) as Record<string, any>);

describe('named tokens and their scopes', () => {
  let subSecret: string;
  let apiSubId: string;
  beforeEach(async () => {
    h = await new Harness({ server: { tokens: TOKENS } }).start();
    // Something to read: an API subscription with a static header, a failed-and-logged delivery and events.
    const created = await h.api('POST', '/v1/subscriptions', { url: 'https://example.com/hooks/a', headers: { Authorization: HEADER_VALUE } });
    expect(created.status).toBe(201);
    subSecret = created.body.secret;
    apiSubId = created.body.id;
    h.apten.createLead();
    await h.sync();
  });

  // Each route with one path that exists (or a made-up id, where the route answers 404 past the auth).
  const routes = (): Array<{ method: string; path: string; body?: unknown; read: boolean; hooks: boolean }> => [
    { method: 'GET', path: '/v1/sources', read: true, hooks: false },
    { method: 'POST', path: '/v1/sources/apten/sync', read: false, hooks: false },
    { method: 'POST', path: '/v1/sources/apten/release-deletes', read: false, hooks: false },
    { method: 'GET', path: '/v1/subscriptions', read: true, hooks: false },
    { method: 'POST', path: '/v1/subscriptions', body: { url: 'https://example.com/x' }, read: false, hooks: false },
    { method: 'GET', path: `/v1/subscriptions/${apiSubId}`, read: true, hooks: false },
    { method: 'PATCH', path: `/v1/subscriptions/${apiSubId}`, body: { description: 'changed' }, read: false, hooks: false },
    { method: 'DELETE', path: `/v1/subscriptions/${apiSubId}`, read: false, hooks: false },
    { method: 'GET', path: `/v1/subscriptions/${apiSubId}/secret`, read: false, hooks: false },
    { method: 'POST', path: `/v1/subscriptions/${apiSubId}/rotate-secret`, read: false, hooks: false },
    { method: 'POST', path: `/v1/subscriptions/${apiSubId}/test`, read: false, hooks: false },
    { method: 'POST', path: `/v1/subscriptions/${apiSubId}/replay`, body: { since: '2020-01-01T00:00:00Z' }, read: false, hooks: false },
    { method: 'GET', path: `/v1/subscriptions/${apiSubId}/deliveries`, read: true, hooks: false },
    { method: 'GET', path: '/v1/deliveries/dlv_unknown', read: true, hooks: false },
    { method: 'POST', path: '/v1/deliveries/dlv_unknown/retry', read: false, hooks: false },
    { method: 'GET', path: '/v1/events', read: true, hooks: false },
    { method: 'POST', path: '/v1/hooks', body: { target_url: 'https://hooks.zapier.com/hooks/catch/1/a/', event: 'lead.created' }, read: false, hooks: true },
    { method: 'DELETE', path: '/v1/hooks/sub_unknown', read: false, hooks: true },
    { method: 'GET', path: '/v1/hooks/samples/lead.created', read: true, hooks: true },
  ];

  it('a token lacking the scope gets 403 insufficient_scope with the error shape, and nothing changes', async () => {
    // What a forbidden call could have changed (health moves on its own: deliveries to example.com fail).
    const state = async () =>
      (await h.api('GET', '/v1/subscriptions')).body.data.map((s: any) => [s.id, s.url, s.description, s.enabled, s.events, s.headers, s.previousSecretExpiresAt]);
    const before = await state();
    for (const r of routes()) {
      const what = `${r.method} ${r.path}`;
      if (!r.read) expectForbidden(await call(r.method, r.path, ONCALL, r.body), `read token: ${what}`);
      if (!r.hooks) expectForbidden(await call(r.method, r.path, ZAPIER, r.body), `hooks token: ${what}`);
      expectForbidden(await call(r.method, r.path, GRAFANA, r.body), `metrics token: ${what}`);
      // Unknown tokens are still 401, whatever the route.
      expect((await call(r.method, r.path, 'not-a-configured-token-000', r.body)).status, what).toBe(401);
    }
    const res = await call('GET', '/v1/sources', ZAPIER);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(res.body.error.message).toMatch(/"zapier".*admin, read/);
    expect(res.text).not.toContain(ZAPIER);
    expect(await state()).toEqual(before);
    expect((await h.api('GET', `/v1/subscriptions/${apiSubId}/secret`)).body.secret).toBe(subSecret);
  });

  it('a token with the scope is let through (the route answers, not the auth)', async () => {
    for (const r of routes()) {
      const what = `${r.method} ${r.path}`;
      if (r.read) expect([200, 404], `read token: ${what}`).toContain((await call(r.method, r.path, ONCALL, r.body)).status);
      if (r.hooks) expect([200, 201, 404], `hooks token: ${what}`).toContain((await call(r.method, r.path, ZAPIER, r.body)).status);
    }
    // adminToken: everything, as before.
    expect((await call('GET', `/v1/subscriptions/${apiSubId}/secret`, ADMIN_TOKEN)).body.secret).toBe(subSecret);
  });

  it('GET /v1/whoami tells any valid token its name and scopes', async () => {
    expect((await call('GET', '/v1/whoami', ZAPIER)).body).toEqual({ name: 'zapier', scopes: ['hooks'] });
    expect((await call('GET', '/v1/whoami', GRAFANA)).body).toEqual({ name: 'grafana', scopes: ['metrics'] });
    expect((await call('GET', '/v1/whoami', ADMIN_TOKEN)).body).toEqual({ name: 'admin', scopes: ['admin'] });
    expect((await call('GET', '/v1/whoami', null)).status).toBe(401);
  });

  it('a read token reads everything but never a secret: no signing secret, header value or token in any GET', async () => {
    const hook = await call('POST', '/v1/hooks', ZAPIER, { target_url: 'https://hooks.zapier.com/hooks/catch/1/b/', event: 'lead.*' });
    expect(hook.status).toBe(201);
    const hookSecret = (await h.api('GET', `/v1/subscriptions/${hook.body.id}/secret`)).body.secret;
    const deliveries = await call('GET', `/v1/subscriptions/all/deliveries`, ONCALL);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data.length).toBeGreaterThan(0);
    const seen: string[] = [deliveries.text];
    for (const path of [
      '/v1/sources',
      '/v1/subscriptions',
      `/v1/subscriptions/${apiSubId}`,
      `/v1/subscriptions/${hook.body.id}`,
      '/v1/subscriptions/all',
      `/v1/deliveries/${deliveries.body.data[0].id}`,
      '/v1/events',
      '/v1/hooks/samples/*',
      '/v1/whoami',
    ]) {
      const res = await call('GET', path, ONCALL);
      expect(res.status, path).toBe(200);
      seen.push(res.text);
    }
    const all = seen.join('\n');
    const allSecrets = [subSecret, hookSecret, h.sub.secret, HEADER_VALUE, ADMIN_TOKEN, ...TOKENS.map((t) => t.token)];
    for (const s of allSecrets) {
      expect(all).not.toContain(s);
      expect(all).not.toContain(s.replace(/^whsec_/, '')); // the key without its prefix either
    }
    expect(all).not.toMatch(/whsec_/);
  });

  it("a hooks token deletes only the hooks it created: not another token's, not API or config subscriptions", async () => {
    const mine = await call('POST', '/v1/hooks', ZAPIER, { target_url: 'https://hooks.zapier.com/hooks/catch/1/c/', event: 'lead.created' });
    const theirs = await call('POST', '/v1/hooks', ZAPIER_B, { target_url: 'https://hooks.zapier.com/hooks/catch/2/d/', event: 'lead.created' });
    const byAdmin = await h.api('POST', '/v1/hooks', { target_url: 'https://hooks.zapier.com/hooks/catch/3/e/', event: 'lead.created' });
    expect([mine.status, theirs.status, byAdmin.status]).toEqual([201, 201, 201]);
    const ids = async () => (await h.api('GET', '/v1/subscriptions')).body.data.map((s: any) => s.id).sort();
    const before = await ids();

    for (const id of [theirs.body.id, byAdmin.body.id, apiSubId, 'all']) {
      const res = await call('DELETE', `/v1/hooks/${id}`, ZAPIER);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await ids()).toEqual(before);

    expect((await call('DELETE', `/v1/hooks/${mine.body.id}`, ZAPIER)).status).toBe(204);
    // The admin token removes any hook (e.g. one whose Zapier account is gone).
    expect((await call('DELETE', `/v1/hooks/${theirs.body.id}`, ADMIN_TOKEN)).status).toBe(204);
    expect(await ids()).toEqual(before.filter((id: string) => id !== mine.body.id && id !== theirs.body.id));

    // Who made each subscription is shown to operators (a token name, never the token).
    const list = (await h.api('GET', '/v1/subscriptions')).body.data;
    expect(list.find((s: any) => s.id === byAdmin.body.id).createdBy).toBe('admin');
    expect(list.find((s: any) => s.id === apiSubId).createdBy).toBe('admin');
    expect(list.find((s: any) => s.id === 'all').createdBy).toBeNull();
  });

  it("logs the token's name with each request, never the token", async () => {
    const res = await call('GET', '/v1/hooks/samples/lead.created', ZAPIER);
    expect(res.status).toBe(200);
    await call('GET', '/v1/sources', ONCALL);
    await call('GET', '/v1/sources', ADMIN_TOKEN);
    await call('GET', '/v1/sources', GRAFANA);
    await call('GET', '/v1/sources', 'not-a-configured-token-000');
    const lines = parsedLogs().filter((l) => l.msg === 'admin API request');
    const byRequest = (id: unknown) => lines.find((l) => l.requestId === id);
    expect(byRequest(res.headers['x-request-id'])).toMatchObject({ token: 'zapier', status: 200, path: '/v1/hooks/samples/lead.created' });
    const sources = lines.filter((l) => l.path === '/v1/sources').map((l) => [l.token, l.status]);
    expect(sources.slice(-4)).toEqual([
      ['oncall', 200],
      ['admin', 200],
      ['grafana', 403],
      [undefined, 401],
    ]);
    const text = h.logs.join('\n');
    for (const t of [ADMIN_TOKEN, ...TOKENS.map((x) => x.token), 'not-a-configured-token-000']) expect(text).not.toContain(t);
  });
});

describe('GET /metrics and server.metricsAuth', () => {
  it('metricsAuth: token needs a token with the metrics, read or admin scope (401 without, 403 with another)', async () => {
    h = await new Harness({ server: { tokens: TOKENS, metricsAuth: 'token' } }).start();
    const none = await call('GET', '/metrics', null);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.text).not.toContain('leadrelay_sync_runs_total');
    expectForbidden(await call('GET', '/metrics', ZAPIER), 'hooks token on /metrics');
    for (const token of [GRAFANA, ONCALL, ADMIN_TOKEN]) {
      const res = await call('GET', '/metrics', token);
      expect(res.status).toBe(200);
      expect(res.text).toContain('# TYPE leadrelay_sync_runs_total counter');
    }
    // /healthz stays open.
    expect((await call('GET', '/healthz', null)).status).toBe(200);
  });

  it('metricsAuth: none (the default) leaves /metrics open, as before', async () => {
    h = await new Harness({ server: { tokens: TOKENS } }).start();
    expect((await call('GET', '/metrics', null)).status).toBe(200);
    // A metrics token gets nothing else.
    expectForbidden(await call('GET', '/v1/events', GRAFANA), 'metrics token on /v1/events');
  });
});

describe('token comparison, over HTTP (a second angle on tokensEqual in admin-fuzz.test.ts)', () => {
  it('every near miss of every configured token is a 401; each token is known only under its own name', async () => {
    h = await new Harness({ server: { tokens: TOKENS } }).start();
    const all = [{ name: 'admin', token: ADMIN_TOKEN }, ...TOKENS];
    const nearMisses = (t: string) => [
      t.slice(0, -1), // a prefix
      t.slice(1), // a suffix
      `${t}x`, // an extension
      `${t}${t}`,
      t.toUpperCase(),
      t.replace(/-/g, '_'),
      // One character changed, at every position.
      ...[...t].map((ch, i) => t.slice(0, i) + (ch === 'a' ? 'b' : 'a') + t.slice(i + 1)),
    ];
    let tried = 0;
    for (const { token } of all) {
      for (const guess of nearMisses(token)) {
        if (all.some((x) => x.token === guess)) continue;
        const res = await call('GET', '/v1/whoami', guess);
        expect(res.status, `near miss of a ${token.length}-character token`).toBe(401);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(all.length * 24);
    for (const { name, token } of all) expect((await call('GET', '/v1/whoami', token)).body.name).toBe(name);
    expect(h.logs.join('\n')).not.toContain(ONCALL);
  });
});
