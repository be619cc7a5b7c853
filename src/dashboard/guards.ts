// Checks on requests that change something: from a page of this dashboard (Origin and
// Sec-Fetch-Site), carrying the session's CSRF token, by a session that may change things.
import type { Context } from 'hono';

/**
 * Why a POST looks cross-site, or null when it does not. A browser says where a request comes from
 * (Sec-Fetch-Site, Origin) and a page elsewhere cannot make it lie; clients without these headers
 * (curl, scripts) are not browsers and still need the session cookie and the CSRF token.
 */
export function crossSiteReason(c: Context): string | null {
  // Sent by every current browser, and decisive: same-origin means a page of this dashboard.
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? null : `the request came from another site (Sec-Fetch-Site: ${site})`;
  const origin = c.req.header('origin');
  // No Origin (not a browser), or "null": what a browser sends from a page with Referrer-Policy:
  // no-referrer, as the dashboard's pages are; the session's CSRF token still has to match.
  if (origin === undefined || origin === 'null') return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return 'the request came from an unknown origin';
  }
  // Behind a proxy, the host the browser used is the proxy's (X-Forwarded-Host when it rewrites Host).
  const host = (c.req.header('x-forwarded-host') ?? c.req.header('host') ?? '').split(',')[0]!.trim().toLowerCase();
  return originHost.toLowerCase() === host ? null : 'the request came from another site (Origin does not match Host)';
}

/** The client's address as this process sees it (the proxy's, behind one): for the login limiter and logs. */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
