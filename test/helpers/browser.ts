// Browser tests with playwright-core driving the machine's Chromium (Debian's package at
// /usr/bin/chromium, or CHROMIUM_PATH): headless, no sandbox (tests run as root), nothing downloaded.
// One browser per test file; every page a test opens is watched, and a console error or an uncaught
// page error fails the test (CSP violations show up there too) unless the test says it expects it.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from './chromium-install.js';

export { CHROMIUM_PATH };

/**
 * describe() for browser tests. The run's global setup installs Chromium where it can and stops the
 * run where it cannot (chromium-install.ts), so a missing one here is a broken set-up: the tests fail
 * saying so, never skip.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, fn);
  } else {
    describe(name, () => {
      it('has a Chromium to run in', () => {
        throw new Error(`browser tests cannot run: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
      });
    });
  }
}

/** What went wrong on a page: console errors and uncaught exceptions, as text. */
export interface PageWatch {
  problems: string[];
  /** Console errors matching this are expected (e.g. the 401 of a refused login). */
  allow(pattern: RegExp): void;
}

const watches = new WeakMap<Page, PageWatch>();

export function watchOf(page: Page): PageWatch {
  const w = watches.get(page);
  if (!w) throw new Error('not a page of useBrowser().newPage()');
  return w;
}

/**
 * Call inside describeBrowser: launches Chromium before the file's tests and closes it after; each
 * newPage() is a fresh context (its own cookies), closed after the test, whose problems fail it.
 */
export function useBrowser() {
  let browser: Browser | null = null;
  let contexts: BrowserContext[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterEach(async () => {
    const found = pages.splice(0).flatMap((p) => watchOf(p).problems.map((x) => `${p.url()}: ${x}`));
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
    expect(found, 'console errors or page errors in the browser').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  return {
    /** A page in a new context (no cookies), watched for console and page errors. */
    async newPage(opts: BrowserContextOptions = {}): Promise<Page> {
      if (!browser) throw new Error('the browser is not running (useBrowser() must be called inside describeBrowser)');
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...opts });
      contexts.push(context);
      // A step that cannot happen should fail the test quickly, not at the test's own timeout.
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const allowed: RegExp[] = [];
      const watch: PageWatch = { problems: [], allow: (p) => allowed.push(p) };
      page.on('console', (m) => {
        if (m.type() === 'error' && !allowed.some((p) => p.test(m.text()))) watch.problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (err) => watch.problems.push(`page error: ${err.message}`));
      watches.set(page, watch);
      pages.push(page);
      return page;
    },
  };
}
