// GET /assets/dashboard.css and /assets/dashboard.js: served from memory, no login needed (they hold
// nothing secret), cached by the browser and named by a hash of their content in the pages' links.
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { STYLES } from './assets/styles.js';
import { SCRIPT } from './assets/script.js';

/** A small mark for the browser tab (and so no request for /favicon.ico, which is the API's 404). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/><path d="M9 8v16h14" stroke="#3a9d6b" stroke-width="4" fill="none"/></svg>`;

const versionOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const ASSETS = {
  css: { path: 'assets/dashboard.css', version: versionOf(STYLES), body: STYLES, type: 'text/css; charset=utf-8' },
  js: { path: 'assets/dashboard.js', version: versionOf(SCRIPT), body: SCRIPT, type: 'text/javascript; charset=utf-8' },
  icon: { path: 'assets/favicon.svg', version: versionOf(FAVICON), body: FAVICON, type: 'image/svg+xml' },
} as const;

export function assetRoutes() {
  const app = new Hono();
  for (const asset of Object.values(ASSETS)) {
    app.get(`/${asset.path}`, (c) => {
      // A new version has a new ?v= in the pages, so a day of caching never serves a stale one.
      c.header('cache-control', 'public, max-age=86400');
      return c.body(asset.body, 200, { 'content-type': asset.type });
    });
  }
  return app;
}
