// What every dashboard page is rendered with (the ViewContext), and the page mechanics they share:
// relative links that work under any proxy path prefix, the session cookie's attributes, flash
// messages across a POST-redirect-GET, and sending a rendered page.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Caller } from '../api/auth.js';
import type { StorageKind } from '../store/index.js';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** A menu entry of the top bar (pages/index.ts lists them). */
export interface NavEntry {
  label: string;
  /** Dashboard-relative path, e.g. '' (the overview) or 'events'. */
  path: string;
}

export interface ViewContext {
  /** From this page to the dashboard's root: './', '../', ... (see relativeRoot). */
  root: string;
  /** The request path, for marking the current menu entry. */
  path: string;
  caller: Caller;
  /** The admin scope: buttons that change something are shown (and accepted). */
  canWrite: boolean;
  /** The hidden field every form posts. */
  csrfToken: string;
  sessionExpiresAt: number;
  storage: StorageKind;
  replicaId: string;
  now: number;
  nav: readonly NavEntry[];
  flash: Flash | null;
}

export type DashboardEnv = { Variables: { view: ViewContext } };

/**
 * The way from a path back to the dashboard's root, as a relative URL: links, form actions and
 * redirects are all relative, so the dashboard works unchanged behind a proxy that serves it under
 * a path prefix (/relay/ → the relay's /), whether or not the proxy says so in a header.
 */
export function relativeRoot(path: string): string {
  const depth = path.split('/').length - 2;
  return depth <= 0 ? './' : '../'.repeat(depth);
}

/** A dashboard-relative path ('sources/a/sync') as a URL relative to the current page. */
export function url(view: Pick<ViewContext, 'root'>, path: string): string {
  return path === '' ? view.root : `${view.root}${path}`;
}

/** One path segment of a URL made from data (ids may hold anything). */
export const seg = (s: string) => encodeURIComponent(s);

/**
 * The prefix a proxy serves the dashboard under, when it says so (X-Forwarded-Prefix, e.g. /relay),
 * for the cookie's Path; '' when there is none or it is not a plain path.
 */
function forwardedPrefix(c: Context): string {
  const p = c.req.header('x-forwarded-prefix')?.split(',')[0]?.trim() ?? '';
  return /^(\/[A-Za-z0-9._~!$&'()*+;=:@%-]+)+$/.test(p) ? p : '';
}

/** https as the browser sees it: the request itself, or a TLS proxy's X-Forwarded-Proto. */
function isHttps(c: Context): boolean {
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' || new URL(c.req.url).protocol === 'https:';
}

/** Attributes of the dashboard's cookies: never readable by scripts, never sent cross-site. */
export function cookieOptions(c: Context, maxAgeSeconds: number) {
  return {
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure: isHttps(c),
    path: forwardedPrefix(c) || '/',
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  };
}

const FLASH_COOKIE = 'leadrelay_flash';

/** A message for the next page the browser loads (after the redirect that follows a POST). */
export function setFlash(c: Context, flash: Flash): void {
  setCookie(c, FLASH_COOKIE, Buffer.from(JSON.stringify(flash)).toString('base64url'), cookieOptions(c, 60));
}

/** The pending message, if any; read once. */
export function takeFlash(c: Context): Flash | null {
  const raw = getCookie(c, FLASH_COOKIE);
  if (raw === undefined) return null;
  deleteCookie(c, FLASH_COOKIE, cookieOptions(c, 0));
  try {
    const f = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((f.kind === 'ok' || f.kind === 'error') && typeof f.text === 'string') return { kind: f.kind, text: f.text.slice(0, 500) };
  } catch {
    // not ours: ignored
  }
  return null;
}

/** 303 to a dashboard-relative path, relative to this request's own path (POST-redirect-GET). */
export function redirectTo(c: Context, path: string, flash?: Flash): Response {
  if (flash) setFlash(c, flash);
  c.header('cache-control', 'no-store');
  c.header('location', url({ root: relativeRoot(c.req.path) }, path));
  return c.body(null, 303);
}

/** Sends a rendered page (no caching: pages show live state, and a session's data). */
export async function sendPage(c: Context, page: unknown, status: ContentfulStatusCode = 200): Promise<Response> {
  c.header('cache-control', 'no-store');
  return c.html(`<!DOCTYPE html>${String(await page)}`, status);
}

/** The fragment the auto-refresh asks for (header x-leadrelay-fragment), or null for a whole page. */
export function fragmentWanted(c: Context): string | null {
  const f = c.req.header('x-leadrelay-fragment');
  return f && /^[a-z][a-z0-9-]{0,40}$/.test(f) ? f : null;
}
