// The operator dashboard over plain HTTP (issue #14), against a real relay and the Apten simulator:
// where it is served and with which headers, the login and its session cookie, sessions kept in
// the database and ended by logout, expiry or a token leaving the config, the checks every POST
// passes (CSRF token, same origin, admin scope), and hostile vendor data shown as text.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Harness, type HarnessOptions } from './helpers/harness.js';
import { cookieAttributes, csrfOf, DashboardHttp, SESSION_COOKIE } from './helpers/dashboard-http.js';
import { ManualClock } from './helpers/manual-clock.js';
import { waitFor } from './helpers/wait.js';
import { freshPgDatabase } from './helpers/pg-db.js';

const READ_TOKEN = 'oncall-read-token-0123456789abcdef';
const HOOKS_TOKEN = 'zapier-hooks-token-0123456789abcdef';
const METRICS_TOKEN = 'grafana-metrics-token-0123456789abc';
const TOKENS = [
  { name: 'oncall', token: READ_TOKEN, scopes: ['read'] },
  { name: 'zapier', token: HOOKS_TOKEN, scopes: ['hooks'] },
  { name: 'grafana', token: METRICS_TOKEN, scopes: ['metrics'] },
];
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function start(opts: HarnessOptions = {}): Promise<DashboardHttp> {
  h = await new Harness({ seed: 3, ...opts, server: { tokens: TOKENS, ...opts.server } }).start();
  return new DashboardHttp(h.relay.url!);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const lastSyncStart = async () => (await h.api('GET', '/v1/sources')).body.data[0].lastSync.startedAt as string | null;

describe('served at / next to the API, on the same port', () => {
  it('sends a browser without a session to the login page, with relative URLs only', async () => {
    const d = await start();
    const root = await d.get('/');
    expect(root.status).toBe(303);
    expect(root.headers.location).toBe('./login');
    const login = await d.get('/login');
    expect(login.status).toBe(200);
    expect(login.headers['content-type']).toMatch(/^text\/html/);
    // Every link, script, stylesheet and form target is relative: the page works under any path prefix.
    const targets = [...login.body.matchAll(/(?:href|src|action)="([^"]*)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const t of targets) expect(t, t).toMatch(/^\.\.?\//);
    // The API and the docs are where they were.
    expect((await h.api('GET', '/v1/sources')).status).toBe(200);
    expect((await d.get('/healthz')).status).toBe(200);
  });

  it('answers every dashboard response with a strict CSP, no framing, no sniffing, no referrer; pages are not cached', async () => {
    const d = await start();
    const login = await d.get('/login');
    await d.login(ADMIN_TOKEN);
    for (const page of [login, await d.get('/')]) {
      expect(page.status).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'"); // no inline script, no eval
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toMatch(/default-src '(none|self)'/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['cache-control']).toBe('no-store');
      // Nothing inline for the CSP to refuse: no <script> without src, no style attribute.
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.body).not.toMatch(/\sstyle="/);
    }
  });

  it('serves its stylesheet and script itself, without a session', async () => {
    const d = await start();
    const login = (await d.get('/login')).body;
    const css = /href="\.\/(assets\/dashboard\.css\?v=[0-9a-f]+)"/.exec(login)![1]!;
    const js = /src="\.\/(assets\/dashboard\.js\?v=[0-9a-f]+)"/.exec(login)![1]!;
    const style = await d.get(`/${css}`);
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toMatch(/^text\/css/);
    expect(style.body).toContain('.badge');
    const script = await d.get(`/${js}`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body).toContain('x-leadrelay-fragment');
  });

  it('server.dashboard: false leaves no dashboard route: / and its pages are 404, the API works', async () => {
    const d = await start({ server: { dashboard: false } });
    for (const path of ['/', '/login', '/assets/dashboard.css', '/assets/dashboard.js']) expect((await d.get(path)).status, path).toBe(404);
    expect((await d.post('/login', { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await h.api('GET', '/v1/sources')).status).toBe(200);
  });
});

describe('login', () => {
  it('takes a token in a labelled password field, posted in the body, never in the URL', async () => {
    const d = await start();
    const page = (await d.get('/login')).body;
    expect(page).toMatch(/<form method="post" action="\.\/login">/);
    expect(page).toMatch(/<label for="token">Token<\/label>/);
    expect(page).toMatch(/<input type="password" id="token" name="token" required=""/);
    // A token in the query string is not a login.
    const viaUrl = await d.get(`/login?token=${ADMIN_TOKEN}`);
    expect(viaUrl.cookies).toEqual([]);
  });

  it('sets an HttpOnly, SameSite=Strict, expiring session cookie for an admin token; the database keeps only its hash', async () => {
    const d = await start();
    const res = await d.login(ADMIN_TOKEN);
    expect(res.headers.location).toBe('./');
    const cookie = cookieAttributes(res.cookies, SESSION_COOKIE) as Record<string, string> & { value: string };
    expect(cookie).toMatchObject({ httponly: '', samesite: 'Strict', path: '/', 'max-age': String(12 * 3600) });
    expect(cookie.secure).toBeUndefined(); // plain http here
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
    const row = await h.relay.store.sessions.get(sha256(cookie.value), Date.now());
    expect(row).toMatchObject({ tokenName: 'admin', scopes: ['admin'] });
    expect(row!.expiresAt - row!.createdAt).toBe(12 * 3_600_000);
    expect(await h.relay.store.sessions.get(cookie.value, Date.now())).toBeUndefined();
    // Neither the session id nor the token is anywhere in the database files.
    const files = ['relay.db', 'relay.db-wal'].map((f) => join(h.dir, f)).filter(existsSync);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(cookie.value), f).toBe(false);
      expect(bytes.includes(ADMIN_TOKEN), f).toBe(false);
    }
    const overview = await d.get('/');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('<h1>Overview</h1>');
    // The access log names the token the session belongs to, never the token or the cookie.
    const lines = h.logs.filter((l) => l.includes('"admin API request"') && l.includes('"path":"/"') && l.includes('"status":200'));
    expect(lines.at(-1)).toContain('"token":"admin"');
    expect(h.logs.join('\n')).not.toContain(cookie.value);
  });

  it('marks the cookie Secure behind a TLS proxy, and scopes it to the path prefix the proxy says', async () => {
    const d = await start();
    const res = await d.login(ADMIN_TOKEN, { 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/relay' });
    expect(cookieAttributes(res.cookies, SESSION_COOKIE)).toMatchObject({ secure: '', path: '/relay', httponly: '', samesite: 'Strict' });
  });

  it('answers a wrong or empty token with the same generic error, sets no cookie, and logs the attempt without the token', async () => {
    const d = await start();
    const wrong = `${ADMIN_TOKEN}x`;
    for (const token of [wrong, '', 'short']) {
      const res = await d.post('/login', { token });
      expect(res.status).toBe(401);
      expect(res.body).toContain('That token was not accepted.');
      expect(res.body).toMatch(/<input type="password" id="token"/);
      expect(cookieAttributes(res.cookies, SESSION_COOKIE)).toBeNull();
    }
    expect(h.logs.filter((l) => l.includes('dashboard login failed'))).toHaveLength(3);
    expect(h.logs.join('\n')).not.toContain(wrong);
  });

  it('refuses hooks-only and metrics-only tokens with a clear message; a read token gets a read-only session', async () => {
    const d = await start();
    for (const [token, name] of [
      [HOOKS_TOKEN, 'zapier'],
      [METRICS_TOKEN, 'grafana'],
    ] as const) {
      const res = await d.post('/login', { token });
      expect(res.status).toBe(403);
      expect(res.body).toContain(`Token &quot;${name}&quot;`);
      expect(res.body).toContain('needs the admin scope, or read for a read-only view');
      expect(cookieAttributes(res.cookies, SESSION_COOKIE)).toBeNull();
    }
    await d.login(READ_TOKEN);
    const page = await d.get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('oncall · read-only');
    expect(page.body).not.toContain('Sync now');
  });

  it('slows down a client after 10 failed logins: even the right token waits, with Retry-After', async () => {
    const d = await start();
    for (let i = 0; i < 10; i++) expect((await d.post('/login', { token: `wrong-token-${i}-0123456789abcdef` })).status).toBe(401);
    const blocked = await d.post('/login', { token: ADMIN_TOKEN });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toContain('Too many failed logins');
    expect(cookieAttributes(blocked.cookies, SESSION_COOKIE)).toBeNull();
  });

  it('sends a logged-in browser from /login to the overview', async () => {
    const d = await start();
    await d.login(ADMIN_TOKEN);
    const again = await d.get('/login');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('./');
  });
});

describe('sessions live in the database and end for good', () => {
  it('survives a relay restart (the row, not the process, is the session)', async () => {
    const d = await start();
    await d.login(READ_TOKEN);
    await h.restartRelay();
    const fresh = new DashboardHttp(h.relay.url!);
    fresh.jar.set(SESSION_COOKIE, d.session!);
    const page = await fresh.get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('oncall · read-only');
  });

  it('logout deletes the session: the same cookie opens nothing afterwards', async () => {
    const d = await start();
    await d.login(ADMIN_TOKEN);
    const id = d.session!;
    const out = await d.post('/logout', { _csrf: await d.csrf() });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('./login');
    expect(cookieAttributes(out.cookies, SESSION_COOKIE)).toMatchObject({ 'max-age': '0' });
    expect(await h.relay.store.sessions.get(sha256(id), Date.now())).toBeUndefined();
    const replay = new DashboardHttp(h.relay.url!);
    replay.jar.set(SESSION_COOKIE, id);
    expect((await replay.get('/')).status).toBe(303);
    // The auto-refresh's fragment request gets a 401, so the script reloads to the login page.
    expect((await replay.get('/', { 'x-leadrelay-fragment': 'overview-live' })).status).toBe(401);
  });

  it('ends when the token that opened it leaves the config, or changes, even across a restart', async () => {
    const VIEWER = 'viewer-read-token-0123456789abcdef';
    const d = await start({ server: { tokens: [...TOKENS, { name: 'viewer', token: VIEWER, scopes: ['read'] }] } });
    await d.login(READ_TOKEN);
    const viewer = new DashboardHttp(h.relay.url!);
    await viewer.login(VIEWER);
    const admin = new DashboardHttp(h.relay.url!);
    await admin.login(ADMIN_TOKEN);
    // oncall leaves the config; viewer keeps its name and scopes but gets a new value.
    h.config.server.tokens = h.config.server.tokens
      .filter((t) => t.name !== 'oncall')
      .map((t) => (t.name === 'viewer' ? { ...t, token: `${VIEWER}-rotated` } : t));
    await h.restartRelay();
    const as = (session: string) => {
      const client = new DashboardHttp(h.relay.url!);
      client.jar.set(SESSION_COOKIE, session);
      return client;
    };
    expect((await as(d.session!).get('/')).status).toBe(303);
    expect((await as(viewer.session!).get('/')).status).toBe(303);
    expect(await h.relay.store.sessions.get(sha256(d.session!), Date.now())).toBeUndefined();
    expect(await h.relay.store.sessions.get(sha256(viewer.session!), Date.now())).toBeUndefined();
    expect((await as(admin.session!).get('/')).status).toBe(200);
  });

  it('expires after server.dashboardSessionTtl on the relay clock, and the retention tick deletes the row', async () => {
    const clock = new ManualClock();
    const d = await start({ clock, server: { dashboardSessionTtl: '30m' } });
    await d.login(ADMIN_TOKEN);
    expect((await d.get('/')).status).toBe(200);
    clock.advance(30 * 60_000 - 1);
    expect((await d.get('/')).status).toBe(200);
    clock.advance(1);
    expect((await d.get('/')).status).toBe(303);
    expect((await h.relay.pruneNow()).sessions).toBe(1);
  });
});

describe('every POST needs the session, its CSRF token, a same-origin page and the admin scope', () => {
  it('"sync now" with all of them syncs the source and redirects back to the overview with a message', async () => {
    const d = await start();
    await d.login(ADMIN_TOKEN);
    const before = await lastSyncStart();
    const res = await d.post('/sources/apten/sync', { _csrf: await d.csrf() }, { origin: h.relay.url!, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('../../');
    await waitFor(async () => (await lastSyncStart()) !== before, { what: 'the sync the dashboard asked for' });
    const page = await d.get('/');
    expect(page.body).toContain('Sync of apten started.');
    // Read once: the next page has no message.
    expect((await d.get('/')).body).not.toContain('Sync of apten started.');
  });

  it('refuses (403) and changes nothing without the CSRF token, with a wrong one, cross-site, without a session, or read-only', async () => {
    const d = await start();
    await d.login(ADMIN_TOKEN);
    const csrf = await d.csrf();
    const reader = new DashboardHttp(h.relay.url!);
    await reader.login(READ_TOKEN);
    const readerCsrf = await reader.csrf();
    expect(readerCsrf).not.toBe(csrf);
    const before = await lastSyncStart();
    const anonymous = new DashboardHttp(h.relay.url!);
    const attempts: Array<[string, Promise<{ status: number; body: string }>]> = [
      ['no token', d.post('/sources/apten/sync', {})],
      ['wrong token', d.post('/sources/apten/sync', { _csrf: `${csrf.slice(0, -2)}xx` })],
      ["another session's token", d.post('/sources/apten/sync', { _csrf: readerCsrf })],
      ['Origin elsewhere', d.post('/sources/apten/sync', { _csrf: csrf }, { origin: 'https://evil.example' })],
      ['Sec-Fetch-Site cross-site', d.post('/sources/apten/sync', { _csrf: csrf }, { 'sec-fetch-site': 'cross-site' })],
      ['no session', anonymous.post('/sources/apten/sync', { _csrf: csrf })],
      ['read-only session', reader.post('/sources/apten/sync', { _csrf: readerCsrf })],
      ['read-only release', reader.post('/sources/apten/release-deletes', { _csrf: readerCsrf })],
    ];
    for (const [what, attempt] of attempts) expect((await attempt).status, what).toBe(403);
    expect(await lastSyncStart()).toBe(before);
    expect((await reader.post('/sources/apten/sync', { _csrf: readerCsrf })).body).toContain('admin scope');
    // Login itself is refused from another site (login CSRF).
    expect((await anonymous.post('/login', { token: ADMIN_TOKEN }, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('tells an action that fails why, on the page it came from', async () => {
    const d = await start();
    await d.login(ADMIN_TOKEN);
    const res = await d.post('/sources/nope/sync', { _csrf: await d.csrf() });
    expect(res.status).toBe(303);
    expect((await d.get('/')).body).toContain('source &quot;nope&quot; not found');
  });
});

describe('the overview', () => {
  it('shows sources, subscription health and the chart from the store, and serves its live fragment alone', async () => {
    const d = await start();
    await h.sync();
    await h.waitIdle();
    await d.login(ADMIN_TOKEN);
    const page = (await d.get('/')).body;
    expect(page).toMatch(/<tr data-source="apten">[\s\S]*?<strong>apten<\/strong>[\s\S]*?badge ok">ok</);
    expect(page).toMatch(/<tr data-subscription="all"><td><a href="\.\/subscriptions\/all">all<\/a>/);
    const delivered = h.sub.accepted.length;
    expect(delivered).toBeGreaterThan(0);
    expect(page).toContain(`${delivered} succeeded and 0 failed delivery attempts in the last 60 minutes`);
    expect(page).toContain(`${delivered} attempts`);
    const fragment = await d.get('/', { 'x-leadrelay-fragment': 'overview-live' });
    expect(fragment.status).toBe(200);
    expect(fragment.body).toMatch(/^<!DOCTYPE html><div id="overview-live" data-refresh="5">/);
    expect(fragment.body).not.toContain('<header');
    // An open page refreshes every few seconds: those requests are logged at debug, the page itself at info.
    const access = h.logs.filter((l) => l.includes('"admin API request"') && l.includes('"path":"/"') && l.includes('"status":200')).map((l) => JSON.parse(l).level);
    expect(access.slice(-2)).toEqual([30, 20]);
  });

  it('renders hostile vendor data and descriptions as text', async () => {
    const d = await start();
    h.apten.failNext(1, { status: 400, body: HOSTILE, contentType: 'text/html' });
    expect((await h.sync()).status).toBe('error');
    const created = await h.api('POST', '/v1/subscriptions', { url: `${h.sub.url}?x=${encodeURIComponent(HOSTILE)}`, description: HOSTILE });
    expect(created.status).toBe(201);
    await d.login(ADMIN_TOKEN);
    const page = (await d.get('/')).body;
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('vendor_http_error');
    expect(csrfOf(page)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('on PostgreSQL, says which replica polls each source and which one answered; the session is a row there', async () => {
    const d = await start({ storageUrl: await freshPgDatabase() });
    await h.sync();
    await d.login(ADMIN_TOKEN);
    expect(await h.relay.store.sessions.get(sha256(d.session!), Date.now())).toMatchObject({ tokenName: 'admin' });
    const page = (await d.get('/')).body;
    const replica = (await h.api('GET', '/healthz')).body.replica as string;
    expect(page).toContain('<th scope="col">Polled by</th>');
    expect(page).toMatch(new RegExp(`<tr data-source="apten">[\\s\\S]*?<td class="mono">${replica.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>`));
    expect(page).toContain(`PostgreSQL · answered by replica ${replica}`);
  });

  it('answers an unknown page with a 404 page for browsers and JSON for API clients', async () => {
    const d = await start();
    const html = await d.get('/nowhere', { accept: 'text/html' });
    expect(html.status).toBe(404);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('There is no page at /nowhere.');
    const json = await d.get('/nowhere');
    expect(json.status).toBe(404);
    expect(JSON.parse(json.body).error.code).toBe('not_found');
  });
});
