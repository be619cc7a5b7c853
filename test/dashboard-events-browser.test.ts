// The event log and lead pages in a real browser (issue #14): Chromium (playwright-core) against a
// relay fed by all four vendor simulators. The filter form is labelled and used with the keyboard;
// filters narrow the list to what GET /v1/events says and survive a reload; older/newer pages; a
// lead's status change shows as before/after; hostile lead names are text (no dialog). Every page
// is checked for console and page errors (helpers/browser.ts).
// LEADRELAY_SCREENSHOTS=1 also writes docs/screenshots/events.png and lead.png from this data.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeBrowser, useBrowser } from './helpers/browser.js';
import { ADMIN_TOKEN, FourVendorRelay } from './helpers/four-vendor-relay.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)>';
const SCREENSHOTS = process.env.LEADRELAY_SCREENSHOTS === '1' ? fileURLToPath(new URL('../docs/screenshots/', import.meta.url)) : null;

describeBrowser('the event log and lead pages in Chromium', () => {
  const browser = useBrowser();
  let r: FourVendorRelay;
  let qualified: { id: string };
  let hostile: { id: string };

  beforeAll(async () => {
    r = await new FourVendorRelay({ leads: 15 }).start();
    await r.syncAll();
    // A status change (Apten: NEW → QUALIFIED) and a lead named with markup.
    const lead = r.apten.leads().find((l) => !l.isQualified && !l.isUnsubscribed && !l.hasReplied && !l.deleted)!;
    r.apten.updateLead(lead.id, { isQualified: true });
    qualified = lead;
    hostile = r.apten.createLead({ firstName: HOSTILE, lastName: null });
    await r.sync('apten');
    await r.waitIdle();
  }, 90_000);

  afterAll(async () => {
    await r?.stop();
  });

  async function login(page: Page): Promise<void> {
    await page.goto(`${r.url}/login`);
    await page.getByLabel('Token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${r.url}/`);
  }

  const rowIds = (page: Page) => page.locator('tr[data-event]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event')));
  async function apiIds(query: string): Promise<string[]> {
    const res = await r.api('GET', `/v1/events?limit=50${query}`);
    return (res.body.data as Array<{ id: string }>).map((e) => e.id);
  }

  it('filters with the keyboard alone through labelled fields; the filters are in the URL and survive a reload', async () => {
    const page = await browser.newPage();
    await login(page);
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.waitForURL(`${r.url}/events`);
    expect(await page.textContent('h1')).toBe('Events');
    expect(await rowIds(page)).toEqual(await apiIds(''));

    // Every field has its label; Tab walks them in order.
    const source = page.getByLabel('Source');
    await source.focus();
    await page.keyboard.type('apten'); // a focused <select> picks the option typed
    expect(await source.inputValue()).toBe('apten');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-type');
    await page.keyboard.type('lead.updated');
    expect(await page.getByLabel('Type').inputValue()).toBe('lead.updated');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-lead');
    for (const label of ['Lead id', 'From (UTC)', 'Until (UTC)']) expect(await page.getByLabel(label).count(), label).toBe(1);
    await page.keyboard.type(qualified.id);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('lead') === qualified.id);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ source: 'apten', type: 'lead.updated', lead: qualified.id });
    const narrowed = await rowIds(page);
    expect(narrowed).toEqual(await apiIds(`&source=apten&type=lead.updated&lead=${encodeURIComponent(qualified.id)}`));
    expect(narrowed).toHaveLength(1);

    await page.reload();
    expect(await rowIds(page)).toEqual(narrowed);
    expect(await page.getByLabel('Source').inputValue()).toBe('apten');
    expect(await page.getByLabel('Type').inputValue()).toBe('lead.updated');
    expect(await page.getByLabel('Lead id').inputValue()).toBe(qualified.id);

    // Clear shows everything again.
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.waitForURL(`${r.url}/events`);
    expect((await rowIds(page)).length).toBeGreaterThan(narrowed.length);
  });

  it('pages older and newer', async () => {
    const page = await browser.newPage();
    await login(page);
    await page.goto(`${r.url}/events?type=lead.created`);
    const all = (await r.api('GET', '/v1/events?limit=200&type=lead.created')).body.data.map((e: { id: string }) => e.id) as string[];
    expect(all.length).toBeGreaterThan(50);
    expect(await rowIds(page)).toEqual(all.slice(0, 50));
    if (SCREENSHOTS) {
      await page.goto(`${r.url}/events`);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOTS}events.png` });
      await page.goto(`${r.url}/events?type=lead.created`);
    }
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/before=\d+/);
    expect(await rowIds(page)).toEqual(all.slice(50, 100));
    expect(new URL(page.url()).searchParams.get('type')).toBe('lead.created');
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.waitForURL(/after=\d+/);
    expect(await rowIds(page)).toEqual(all.slice(0, 50));
  });

  it('opens a lead from its row and shows its status change as before and after', async () => {
    const page = await browser.newPage();
    await login(page);
    await page.goto(`${r.url}/events?source=apten&lead=${encodeURIComponent(qualified.id)}`);
    await page.locator('tr[data-event] td.lead-cell a').first().click();
    await page.waitForURL(`${r.url}/leads/apten/${encodeURIComponent(qualified.id)}`);
    const status = page.locator('li.entry table.diff tr[data-field="status"]').first();
    expect(await status.locator('td.before').textContent()).toBe('NEW');
    expect(await status.locator('td.after').textContent()).toBe('QUALIFIED');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(r.apten.getLead(qualified.id)!.firstName + ' ' + r.apten.getLead(qualified.id)!.lastName);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}lead.png`, fullPage: true });
    // Back to the log, filtered by this lead.
    await page.getByRole('link', { name: 'events of this lead' }).click();
    await page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('lead') === qualified.id);
    expect(await rowIds(page)).toEqual(await apiIds(`&source=apten&lead=${encodeURIComponent(qualified.id)}`));
  });

  it('shows a lead named with markup as text on the event log and the lead page: no script runs', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(page);
    await page.goto(`${r.url}/events?source=apten&type=lead.created&lead=${encodeURIComponent(hostile.id)}`);
    const link = page.locator('tr[data-event] td.lead-cell a');
    expect(await link.textContent()).toBe(HOSTILE);
    expect(await page.getByText(HOSTILE, { exact: true }).first().isVisible()).toBe(true);
    await link.click();
    await page.waitForURL(`${r.url}/leads/apten/${encodeURIComponent(hostile.id)}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(HOSTILE);
    expect(await page.locator('table.diff tr[data-field="name"] td.after').textContent()).toBe(HOSTILE);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('script:not([src])').length)).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
