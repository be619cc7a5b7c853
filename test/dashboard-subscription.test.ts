// The dashboard's subscription and delivery pages over plain HTTP (issue #14), against a real relay,
// the Apten simulator and a verifying subscriber: the delivery log's filters, settings validated as
// the API validates them, the secret revealed and rotated only on the answer to a POST, bulk retry
// counted then confirmed, retry now, and the refusals (read-only sessions, forms without CSRF token).
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Harness } from './helpers/harness.js';
import { csrfOf, DashboardHttp } from './helpers/dashboard-http.js';
import { waitFor } from './helpers/wait.js';
import { freshPgDatabase } from './helpers/pg-db.js';

const READ_TOKEN = 'oncall-read-token-0123456789abcdef';
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** A relay whose one subscription ("hooked") was made through the API, to the harness's subscriber. */
async function start(opts: { seed?: number; storageUrl?: string } = {}) {
  h = await new Harness({
    seed: opts.seed ?? 4,
    storageUrl: opts.storageUrl,
    retrySchedule: ['20ms'],
    subscriptions: () => [],
    server: { tokens: [{ name: 'oncall', token: READ_TOKEN, scopes: ['read'] }] },
  }).start();
  const created = await h.api('POST', '/v1/subscriptions', { url: h.sub.url, secret: h.sub.secret, description: 'CRM hook', headers: { authorization: 'Bearer hook-credential-xyz' } });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const admin = new DashboardHttp(h.relay.url!);
  await admin.login(ADMIN_TOKEN);
  return { id, admin };
}

const deliveriesOf = async (id: string) => (await h.api('GET', `/v1/subscriptions/${id}/deliveries?limit=200`)).body.data as any[];
const rowIds = (html: string) => [...html.matchAll(/<tr data-delivery="([^"]+)"/g)].map((m) => m[1]!);

/** The relay synced at start, before the subscription existed: its events are replayed to it. */
async function syncAndSettle(id: string, expected: number) {
  const replayed = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: '2000-01-01T00:00:00Z' });
  expect(replayed.body.queued).toBe(expected);
  await waitFor(async () => (await deliveriesOf(id)).filter((d) => d.status !== 'pending').length >= expected, { what: `${expected} deliveries settled` });
}

describe('subscription page', () => {
  it('shows health, settings with header values masked, and the delivery log; never the secret unless asked', async () => {
    const { id, admin } = await start();
    await syncAndSettle(id, 8);
    const page = await admin.get(`/subscriptions/${id}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('CRM hook');
    expect(page.body).toMatch(/authorization: \[redacted hmac:[0-9a-f]{8}\]/);
    expect(page.body).not.toContain('hook-credential-xyz');
    expect(page.body).not.toContain(h.sub.secret);
    expect(page.body).toContain('Success, last hour');
    expect(rowIds(page.body)).toHaveLength(8);
    // Every form field has a label.
    for (const m of page.body.matchAll(/<(?:input|select|textarea)[^>]*\bid="([^"]+)"/g)) expect(page.body, m[1]).toContain(`<label for="${m[1]}">`);
    expect((await admin.get('/subscriptions/nope')).status).toBe(404);
  });

  it('filters by status, event type, lead and time from the URL, pages with "older", and says what is wrong with a filter', async () => {
    const { id, admin } = await start({ seed: 30 });
    const failing = new Set<string>();
    // The lead.created of five leads fails for good (one retry: retrySchedule ['20ms']).
    h.sub.respond = ({ body }) => {
      if (body.type !== 'lead.created') return 204;
      if (failing.size < 5) failing.add(body.data.lead.id);
      return failing.has(body.data.lead.id) ? 500 : 204;
    };
    await syncAndSettle(id, 60);
    const all = await deliveriesOf(id);
    const failed = all.filter((d) => d.status === 'failed');
    expect(failed).toHaveLength(5);

    const first = await admin.get(`/subscriptions/${id}`);
    expect(rowIds(first.body)).toHaveLength(50);
    const older = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    expect(older).toMatch(/^\.\.\/subscriptions\/sub_[^?]+\?before=dlv_/);
    const second = await admin.get(`/subscriptions/${id}${older.slice(older.indexOf('?'))}`);
    expect(rowIds(second.body)).toHaveLength(10);
    expect(new Set([...rowIds(first.body), ...rowIds(second.body)])).toEqual(new Set(all.map((d) => d.id)));

    expect(new Set(rowIds((await admin.get(`/subscriptions/${id}?status=failed`)).body))).toEqual(new Set(failed.map((d) => d.id)));
    const created = all.filter((d) => d.eventType === 'lead.created');
    expect(new Set(rowIds((await admin.get(`/subscriptions/${id}?type=lead.created`)).body))).toEqual(new Set(created.map((d) => d.id)));
    const lead = failed[0]!.leadId as string;
    expect(new Set(rowIds((await admin.get(`/subscriptions/${id}?lead=${encodeURIComponent(lead)}`)).body))).toEqual(
      new Set(all.filter((d) => d.leadId === lead).map((d) => d.id)),
    );
    const future = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    expect(rowIds((await admin.get(`/subscriptions/${id}?from=${future}`)).body)).toEqual([]);
    expect(rowIds((await admin.get(`/subscriptions/${id}?to=${future}&status=failed`)).body)).toHaveLength(5);
    // The form shows the filter it was given.
    const shown = (await admin.get(`/subscriptions/${id}?status=failed&type=lead.created&lead=${lead}`)).body;
    expect(shown).toContain('<option value="failed" selected="">failed</option>');
    expect(shown).toContain('<option value="lead.created" selected="">lead.created</option>');
    expect(shown).toContain(`name="lead" value="${lead}"`);
    const bad = (await admin.get(`/subscriptions/${id}?from=yesterday&status=lost`)).body;
    expect(bad).toContain('must be a date and time in UTC, e.g. 2026-05-14T15:30');
    expect(bad).toContain('must be one of pending, succeeded, failed');
    expect(rowIds(bad)).toHaveLength(50); // the wrong filters are left out, not guessed at
  });

  it('saves settings through the API rules; refused input is shown beside its field, in the API words', async () => {
    const { id, admin } = await start();
    const csrf = await admin.csrf(`/subscriptions/${id}`);
    const post = (form: Record<string, string>) => admin.post(`/subscriptions/${id}/settings`, { _csrf: csrf, url: h.sub.url, events: '*', description: 'CRM hook', ...form });
    const badUrl = await post({ url: 'ftp://example.com/hook' });
    expect(badUrl.status).toBe(400);
    const apiSays = await h.api('PATCH', `/v1/subscriptions/${id}`, { url: 'ftp://example.com/hook' });
    const apiMessage = apiSays.body.error.details[0].message as string;
    expect(badUrl.body).toContain(`<div class="error-text small" id="url-error" role="alert">${apiMessage}</div>`);
    expect(badUrl.body).toContain('aria-invalid="true"');
    expect(badUrl.body).toContain('value="ftp://example.com/hook"'); // what was typed stays

    const badEvents = await post({ events: 'lead.created, lead.exploded' });
    expect(badEvents.status).toBe(400);
    expect(badEvents.body).toMatch(/id="events-error" role="alert">events\[1\]: /);
    const badSource = await admin.send('POST', `/subscriptions/${id}/settings`, {
      form: { _csrf: csrf, url: h.sub.url, events: '*', sources: 'nowhere' },
    });
    expect(badSource.status).toBe(400);
    expect(badSource.body).toContain('is not the id of a configured source');
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body).toMatchObject({ url: h.sub.url, events: ['*'], sources: null });

    const ok = await post({ events: 'lead.created, lead.updated', description: `new ${HOSTILE}`, sources: 'apten' });
    expect(ok.status).toBe(303);
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body).toMatchObject({ events: ['lead.created', 'lead.updated'], sources: ['apten'], description: `new ${HOSTILE}` });
    const page = (await admin.get(`/subscriptions/${id}`)).body;
    expect(page).toContain('Settings saved.');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('new &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('reveals the secret only in the answer to a POST (no-store), and rotation shows the new one once; the subscriber verifies with it', async () => {
    const { id, admin } = await start();
    const csrf = await admin.csrf(`/subscriptions/${id}`);
    const revealed = await admin.post(`/subscriptions/${id}/secret`, { _csrf: csrf });
    expect(revealed.status).toBe(200);
    expect(revealed.headers['cache-control']).toBe('no-store');
    expect(revealed.body).toContain(h.sub.secret);
    expect(revealed.cookies.join(';')).not.toContain('whsec_'); // not carried in a flash cookie
    expect((await admin.get(`/subscriptions/${id}`)).body).not.toContain(h.sub.secret);

    const rotated = await admin.post(`/subscriptions/${id}/rotate-secret`, { _csrf: csrf });
    expect(rotated.status).toBe(200);
    const secret = /<code class="mono" id="secret-value">(whsec_[^<]+)<\/code>/.exec(rotated.body)![1]!;
    expect(secret).not.toBe(h.sub.secret);
    expect((await admin.get(`/subscriptions/${id}`)).body).not.toContain(secret);
    // Only the new secret verifies at the subscriber: the ping is signed with it.
    h.sub.secret = secret;
    const ping = await admin.post(`/subscriptions/${id}/test`, { _csrf: csrf });
    expect(ping.status).toBe(303);
    expect(ping.headers.location).toMatch(/^\.\.\/\.\.\/deliveries\/dlv_/);
    await waitFor(() => h.sub.accepted.some((r) => r.type === 'ping'), { what: 'the ping verified with the new secret' });
  });

  it('pauses and resumes', async () => {
    const { id, admin } = await start();
    const csrf = await admin.csrf(`/subscriptions/${id}`);
    expect((await admin.post(`/subscriptions/${id}/pause`, { _csrf: csrf })).status).toBe(303);
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.enabled).toBe(false);
    const paused = (await admin.get(`/subscriptions/${id}`)).body;
    expect(paused).toContain('>paused<');
    expect(paused).toContain('>Resume</button>');
    expect((await admin.post(`/subscriptions/${id}/resume`, { _csrf: csrf })).status).toBe(303);
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.enabled).toBe(true);
  });
});

describe('bulk retry of a filter', () => {
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`shows the count of matching failed deliveries, then re-queues exactly those; the subscriber receives each again (${backend})`, async () => {
      const { id, admin } = await start({ seed: 6, storageUrl: backend === 'postgres' ? await freshPgDatabase() : undefined });
      let healed = false;
      // Fails every lead.created and the first two event.added, until healed.
      let added = 0;
      h.sub.respond = ({ body, count }) => {
        if (healed) return 204;
        if (body.type === 'lead.created') return 503;
        if (body.type === 'event.added' && count === 1 && added++ < 2) return 500;
        return count > 1 && body.type === 'event.added' ? 500 : 204;
      };
      await syncAndSettle(id, 12);
      const failedCreated = (await deliveriesOf(id)).filter((d) => d.status === 'failed' && d.eventType === 'lead.created');
      const failedOther = (await deliveriesOf(id)).filter((d) => d.status === 'failed' && d.eventType !== 'lead.created');
      expect(failedCreated).toHaveLength(6);
      expect(failedOther).toHaveLength(2);

      healed = true;
      const csrf = await admin.csrf(`/subscriptions/${id}?type=lead.created`);
      const asked = await admin.post(`/subscriptions/${id}/retry-failed`, { _csrf: csrf, type: 'lead.created', status: 'failed' });
      expect(asked.status).toBe(200);
      const shown = Number(/<strong id="bulk-count">(\d+)<\/strong>/.exec(asked.body)![1]);
      expect(shown).toBe(6);
      const confirm = /<form method="post" action="([^"]+retry-failed\/confirm)">([\s\S]*?)<\/form>/.exec(asked.body)!;
      const fields = Object.fromEntries([...confirm[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      expect(fields).toMatchObject({ _csrf: csrf, type: 'lead.created', status: 'failed' });
      expect(Number(fields.failedBy)).toBeGreaterThan(0);
      const before = h.sub.received.length;
      const done = await admin.post(`/subscriptions/${id}/retry-failed/confirm`, fields);
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe(`../../../subscriptions/${id}?status=failed&type=lead.created`);
      expect((await admin.get(`/subscriptions/${id}`)).body).toContain('6 deliveries re-queued.');
      await waitFor(() => h.sub.received.length - before >= 6, { what: 'the re-queued deliveries' });
      await h.waitIdle();
      const again = h.sub.received.slice(before);
      expect(again.every((r) => r.verified && r.status === 204)).toBe(true);
      expect(new Set(again.map((r) => r.id))).toEqual(new Set(failedCreated.map((d) => d.eventId)));
      expect(again).toHaveLength(6);
      // The other failures were not part of the filter: still failed.
      expect((await deliveriesOf(id)).filter((d) => d.status === 'failed').map((d) => d.id).sort()).toEqual(failedOther.map((d) => d.id).sort());
      // Nothing left to retry for that filter.
      const none = await admin.post(`/subscriptions/${id}/retry-failed`, { _csrf: csrf, type: 'lead.created' });
      expect(none.body).toContain('No failed delivery matches this filter.');
    });
  }
});

describe('delivery page', () => {
  it('shows the body and every attempt with response headers and excerpt as text; "retry now" sends the same webhook-id again', async () => {
    const { id, admin } = await start({ seed: 1 });
    h.sub.respond = ({ count }) => (count === 1 ? { status: 500, headers: { 'x-evil': HOSTILE, 'content-type': 'text/html' }, body: HOSTILE } : 204);
    await syncAndSettle(id, 2);
    const d = (await deliveriesOf(id)).find((x) => x.eventType === 'lead.created')!;
    expect(d.attempts).toBe(2); // 500, then 204 on the retry
    const page = await admin.get(`/deliveries/${d.id}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('x-evil: &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(page.body).toMatch(/<pre class="code response-body">&lt;script&gt;alert\(1\)/);
    expect(page.body).toContain('HTTP 500');
    expect(page.body).toContain('{\n  &quot;type&quot;: &quot;lead.created&quot;,\n'); // pretty JSON, as text
    expect(page.body).toMatch(/Attempt 2/);

    const csrf = csrfOf(page.body);
    const before = h.sub.received.filter((r) => r.id === d.eventId).length;
    const retried = await admin.post(`/deliveries/${d.id}/retry`, { _csrf: csrf });
    expect(retried.status).toBe(303);
    expect(retried.headers.location).toBe(`../../deliveries/${d.id}`);
    await waitFor(() => h.sub.received.filter((r) => r.id === d.eventId && r.verified).length === before + 1, { what: 'the same webhook-id again' });
    await h.waitIdle();
    const after = await admin.get(`/deliveries/${d.id}`);
    expect(after.body).toContain('Queued: it is sent again now');
    expect(after.body).toMatch(/Attempt 3 <span class="badge ok">HTTP 204<\/span> <span class="badge muted">manual<\/span>/);
    expect((await admin.get('/deliveries/dlv_nope')).status).toBe(404);
  });
});

describe('refusals', () => {
  it('a read-only session sees no secret and no form that changes anything; its forged POSTs are 403 and change nothing', async () => {
    const { id } = await start({ seed: 1 });
    await syncAndSettle(id, 2);
    const [d] = await deliveriesOf(id);
    const reader = new DashboardHttp(h.relay.url!);
    await reader.login(READ_TOKEN);
    for (const path of [`/subscriptions/${id}`, `/deliveries/${d.id}`]) {
      const page = (await reader.get(path)).body;
      // The only form posting anywhere is the logout.
      expect([...page.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map((m) => m[1])).toEqual([expect.stringMatching(/logout$/)]);
      expect(page).not.toContain(h.sub.secret);
      expect(page).not.toContain('Reveal secret');
      expect(page).not.toMatch(/<textarea|type="url"/);
    }
    const csrf = await reader.csrf(`/subscriptions/${id}`);
    const forged = [
      [`/subscriptions/${id}/secret`, {}],
      [`/subscriptions/${id}/rotate-secret`, {}],
      [`/subscriptions/${id}/settings`, { url: 'http://127.0.0.1:1/x', events: '*' }],
      [`/subscriptions/${id}/pause`, {}],
      [`/subscriptions/${id}/test`, {}],
      [`/subscriptions/${id}/retry-failed`, {}],
      [`/subscriptions/${id}/retry-failed/confirm`, { failedBy: String(Date.now()) }],
      [`/subscriptions/${id}/replay`, { since: '2020-01-01T00:00' }],
      [`/deliveries/${d.id}/retry`, {}],
    ] as const;
    for (const [path, form] of forged) {
      const res = await reader.post(path, { _csrf: csrf, ...form });
      expect(res.status, path).toBe(403);
      expect(res.body).not.toContain(h.sub.secret);
    }
    const sub = (await h.api('GET', `/v1/subscriptions/${id}`)).body;
    expect(sub).toMatchObject({ url: h.sub.url, enabled: true });
    expect((await h.api('GET', `/v1/subscriptions/${id}/secret`)).body.secret).toBe(h.sub.secret);
  });

  it('refuses a POST without the CSRF token, or from another site, even for an admin session', async () => {
    const { id, admin } = await start({ seed: 1 });
    const csrf = await admin.csrf(`/subscriptions/${id}`);
    expect((await admin.post(`/subscriptions/${id}/secret`, {})).status).toBe(403);
    expect((await admin.post(`/subscriptions/${id}/rotate-secret`, { _csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await admin.post(`/subscriptions/${id}/pause`, { _csrf: csrf }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await h.api('GET', `/v1/subscriptions/${id}/secret`)).body.secret).toBe(h.sub.secret);
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.enabled).toBe(true);
  });
});
