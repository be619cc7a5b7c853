// The dashboard's event log (GET /events) and lead timeline (GET /leads/:source/:leadId) over plain
// HTTP (issue #14), against a real relay and the Apten simulator: filters from the URL narrow the
// list and stay in every link, newer/older pages tile the log, each row links to its lead and says
// how its deliveries stand, a lead's status change shows as before/after, bad filters are named,
// and hostile vendor data is text.
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Harness, type HarnessOptions } from './helpers/harness.js';
import { DashboardHttp } from './helpers/dashboard-http.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function start(opts: HarnessOptions = {}): Promise<DashboardHttp> {
  h = await new Harness({ seed: 3, initialSync: 'emit', ...opts }).start();
  const d = new DashboardHttp(h.relay.url!);
  await d.login(ADMIN_TOKEN);
  return d;
}

/** The event ids of a page's rows, in order. */
const rowIds = (html: string) => [...html.matchAll(/<tr data-event="([^"]+)"/g)].map((m) => m[1]!);
/** The href of the link with this text (HTML-decoded &amp;). */
function link(html: string, text: string): string | null {
  const m = new RegExp(`<a href="([^"]*)"[^>]*>${text}</a>`).exec(html);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
}
/** A relative link of the events page, as a path from the root. */
const fromEvents = (href: string) => `/${href.replace(/^\.\//, '')}`;

async function apiEventIds(query = ''): Promise<string[]> {
  const res = await h.api('GET', `/v1/events?limit=200${query}`);
  expect(res.status).toBe(200);
  return (res.body.data as Array<{ id: string }>).map((e) => e.id);
}

describe('the event log page', () => {
  it('lists the newest events first, each row linking to its lead with its deliveries, and is in the menu', async () => {
    const d = await start();
    await h.sync();
    await h.waitIdle();
    const page = await d.get('/events');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<a href="./events" aria-current="page">Events</a>');
    const ids = rowIds(page.body);
    expect(ids).toEqual((await apiEventIds()).slice(0, ids.length));
    expect(ids.length).toBeGreaterThan(3);
    const newest = (await h.api('GET', '/v1/events?limit=1')).body.data[0];
    const row = new RegExp(`<tr data-event="${newest.id}"[\\s\\S]*?</tr>`).exec(page.body)![0];
    expect(row).toContain(`href="./leads/apten/${encodeURIComponent(newest.leadId)}"`);
    expect(row).toMatch(/1 delivered/); // the catch-all subscription got it
  });

  it('narrows by type, source and lead id from the URL, keeps the filters in the form, and names a bad one', async () => {
    const d = await start({ secondSource: true });
    await h.sync();
    await h.sync('apten-b');
    await h.waitIdle();
    const lead = h.apten.leads()[0]!;
    h.apten.updateLead(lead.id, { isQualified: !lead.isQualified });
    await h.sync();

    const updated = await d.get('/events?type=lead.updated');
    expect(rowIds(updated.body)).toEqual(await apiEventIds('&type=lead.updated'));
    expect(rowIds(updated.body).length).toBe(1);
    expect(updated.body).toContain('<option value="lead.updated" selected="">lead.updated</option>');

    const b = await d.get('/events?source=apten-b');
    expect(rowIds(b.body)).toEqual(await apiEventIds('&source=apten-b'));
    expect(rowIds(b.body).length).toBeLessThan(rowIds((await d.get('/events')).body).length);

    const byLead = await d.get(`/events?lead=${encodeURIComponent(lead.id)}`);
    expect(rowIds(byLead.body)).toEqual(await apiEventIds(`&lead=${encodeURIComponent(lead.id)}`));
    const leadEvents = (await h.api('GET', `/v1/events?lead=${encodeURIComponent(lead.id)}`)).body.data as Array<{ source: string; leadId: string; type: string }>;
    expect(new Set(leadEvents.map((e) => e.leadId))).toEqual(new Set([lead.id]));
    expect(new Set(leadEvents.map((e) => e.source))).toEqual(new Set(['apten', 'apten-b'])); // the same id in both sources
    expect(leadEvents.filter((e) => e.type === 'lead.updated')).toHaveLength(1);
    expect(byLead.body).toContain(`id="f-lead" name="lead" type="text" value="${lead.id}"`);

    const both = await d.get(`/events?source=apten&type=lead.created&lead=${encodeURIComponent(lead.id)}`);
    expect(rowIds(both.body)).toHaveLength(1);

    const bad = await d.get('/events?type=lead.exploded&source=nope&since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('role="alert"');
    expect(bad.body).toMatch(/<strong>type<\/strong> must be one of lead\.created/);
    expect(bad.body).toContain('<strong>source</strong> no source is called &quot;nope&quot;');
    expect(bad.body).toContain('<strong>since</strong> must be a date and time');
    expect(bad.body).toContain('aria-describedby="type-problem"');
  });

  it('narrows by a time range (UTC, as the form sends it)', async () => {
    const d = await start();
    await h.sync();
    await h.waitIdle();
    const all = (await h.api('GET', '/v1/events?limit=200')).body.data as Array<{ id: string; createdAt: string }>;
    const future = new Date(Date.parse(all[0]!.createdAt) + 60_000).toISOString().slice(0, 19);
    expect(rowIds((await d.get(`/events?since=${future}`)).body)).toEqual([]);
    expect((await d.get(`/events?since=${future}`)).body).toContain('No event matches these filters.');
    const until = await d.get(`/events?until=${future}`);
    expect(rowIds(until.body)).toEqual(all.map((e) => e.id).slice(0, 50));
    expect(until.body).toContain(`value="${future}"`);
    // A time with a zone in a hand-made link: searched as that instant, shown back in UTC.
    const zoned = await d.get(`/events?until=${encodeURIComponent(new Date(Date.parse(`${future}Z`)).toISOString().replace('Z', '+00:00'))}`);
    expect(rowIds(zoned.body)).toEqual(rowIds(until.body));
    expect(zoned.body).toContain(`id="f-until" name="until" type="datetime-local" step="1" value="${future}"`);
    const backwards = await d.get(`/events?since=${future}&until=2020-01-01T00:00`);
    expect(backwards.body).toContain('<strong>until</strong> must be later than');
  });

  it('pages older and newer with the filters kept: the pages tile the log exactly', async () => {
    const d = await start({ seed: 60 });
    await h.sync();
    await h.waitIdle();
    const expected = await apiEventIds('&type=lead.created');
    expect(expected).toHaveLength(60);

    const first = await d.get('/events?type=lead.created');
    expect(rowIds(first.body)).toEqual(expected.slice(0, 50));
    expect(link(first.body, '← Newer')).toBeNull();
    const olderHref = link(first.body, 'Older →')!;
    expect(olderHref).toMatch(/^\.\/events\?type=lead\.created&before=\d+$/);

    const second = await d.get(fromEvents(olderHref));
    expect(rowIds(second.body)).toEqual(expected.slice(50));
    expect(link(second.body, 'Older →')).toBeNull();
    const newerHref = link(second.body, '← Newer')!;
    expect(newerHref).toMatch(/^\.\/events\?type=lead\.created&after=\d+$/);
    expect(link(second.body, 'Newest')).toBe('./events?type=lead.created');

    const back = await d.get(fromEvents(newerHref));
    expect(rowIds(back.body)).toEqual(expected.slice(0, 50));
    expect(link(back.body, '← Newer')).toBeNull();
    expect(link(back.body, 'Older →')).toBe(olderHref);
  });

  it('refuses without a session', async () => {
    h = await new Harness({ seed: 1 }).start();
    const anon = new DashboardHttp(h.relay.url!);
    expect((await anon.get('/events')).status).toBe(303);
    expect((await anon.get('/leads/apten/x')).status).toBe(303);
  });
});

describe('the lead page', () => {
  it('shows a status change as field, before and after, and links back to the log filtered by the lead', async () => {
    const d = await start();
    await h.sync();
    await h.waitIdle();
    const lead = h.apten.leads()[0]!;
    h.apten.updateLead(lead.id, { isQualified: true, hasReplied: false, isUnsubscribed: false });
    await h.sync();
    const path = `/leads/apten/${encodeURIComponent(lead.id)}`;
    const page = await d.get(path);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<tr data-field="status"><th scope="row" class="mono">status<\/th><td class="before">NEW<\/td><td class="after">QUALIFIED<\/td><\/tr>/);
    expect(page.body).toMatch(/<tr data-field="raw\.isQualified">[\s\S]*?<td class="before">false<\/td><td class="after">true<\/td>/);
    const entries = [...page.body.matchAll(/<li class="entry" data-event="([^"]+)"/g)].map((m) => m[1]);
    expect(entries).toEqual(await apiEventIds(`&source=apten&lead=${encodeURIComponent(lead.id)}`));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    // Relative links from two levels down, to the log filtered by this lead.
    expect(link(page.body, 'events of this lead')).toBe(`../../events?source=apten&lead=${encodeURIComponent(lead.id)}`);
    expect(page.body).toContain('<dt>status</dt><dd>QUALIFIED</dd>');
  });

  it('shows the same lead id in another source, and 404s an unknown source', async () => {
    const d = await start({ secondSource: true });
    await h.sync();
    await h.sync('apten-b');
    const lead = h.apten.leads()[0]!;
    const page = await d.get(`/leads/apten/${encodeURIComponent(lead.id)}`);
    expect(page.body).toContain(`also in <a href="../../leads/apten-b/${encodeURIComponent(lead.id)}">apten-b</a>`);
    expect((await d.get('/leads/nope/x')).status).toBe(404);
  });

  it('takes any lead id in its URL (slashes, spaces, quotes): an empty timeline, links still relative to the root', async () => {
    const d = await start();
    const odd = 'room/with "quotes" & <b>';
    const page = await d.get(`/leads/apten/${encodeURIComponent(odd)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('No events of this lead in apten.');
    expect(page.body).toContain('<code class="mono">room/with &quot;quotes&quot; &amp; &lt;b&gt;</code>');
    expect(page.body).toContain('href="../../assets/dashboard.css');
  });
});

describe('hostile vendor data', () => {
  it('renders a lead named with markup as text on the event log and the lead page', async () => {
    const d = await start();
    const lead = h.apten.createLead({ firstName: HOSTILE, lastName: null });
    await h.sync();
    const list = (await d.get('/events')).body;
    const timeline = (await d.get(`/leads/apten/${encodeURIComponent(lead.id)}`)).body;
    for (const html of [list, timeline]) {
      expect(html).toContain(ESCAPED);
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
    }
  });
});
