// A request id for every admin API request (the caller's x-request-id when sane) and one access-log
// line per request. Headers, bodies and query strings are never logged: they may carry tokens.
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { newId } from '../util/ids.js';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}

/** A caller's id is kept only if it cannot forge or bloat a log line. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Scraped and probed every few seconds: logged at debug, not info. */
const QUIET_PATHS = new Set(['/healthz', '/metrics']);

/** Also at debug: the dashboard's assets, and the refreshes an open dashboard page makes every few seconds. */
const quiet = (path: string, fragment: string | undefined) => QUIET_PATHS.has(path) || path.startsWith('/assets/') || fragment !== undefined;
const MAX_LOGGED_PATH = 200;

export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : newId('req', Date.now());
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    await next();
    const path = c.req.path; // without the query string
    logger[quiet(path, c.req.header('x-leadrelay-fragment')) ? 'debug' : 'info'](
      {
        requestId,
        method: c.req.method,
        path: path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path,
        status: c.res.status,
        // The name of the token that called (set by the auth middleware), never the token.
        token: c.get('caller')?.name,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      },
      'admin API request',
    );
  };
}
