// How a dashboard page adds its routes: every GET and POST goes through the session check here, so
// a page cannot forget it. A GET without a session goes to the login page; a POST must come from
// one of this dashboard's pages (same origin, the session's CSRF token), and needs the admin scope
// unless it says otherwise. Actions answer with a redirect and a flash message (POST-redirect-GET).
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { RelayControl } from '../api/control.js';
import { RelayError } from '../util/errors.js';
import { isStorageError } from '../store/index.js';
import { crossSiteReason } from './guards.js';
import { equalStrings, type ActiveSession, type Sessions } from './session.js';
import { fragmentWanted, redirectTo, relativeRoot, sendPage, takeFlash, type DashboardEnv, type NavEntry, type ViewContext } from './view.js';
import { MessagePage } from './pages/message.js';

/** Form posts are small; anything larger is not one of ours. */
export const MAX_FORM_BYTES = 16 * 1024;

export interface DashboardDeps {
  relay: RelayControl;
  logger: Logger;
}

/** Where an action sends the browser next, and what it tells the operator there. */
export interface ActionResult {
  /** Dashboard-relative path ('' is the overview). */
  to: string;
  message: string;
}

export interface PageRouter {
  /** A page: `handler` renders it with c.var.view (the session checked, the flash taken). */
  get(path: string, handler: (c: Context<DashboardEnv>) => Promise<Response>): void;
  /**
   * An action. `onError`: where to go when it fails with a RelayError (its message is shown there).
   * `anyScope`: a read-only session may use it too (logout).
   */
  post(
    path: string,
    handler: (c: Context<DashboardEnv>, form: Record<string, unknown>) => Promise<ActionResult | Response>,
    opts: { onError: string | ((c: Context<DashboardEnv>) => string); anyScope?: boolean },
  ): void;
}

/** A page of the dashboard: its menu entry (if any) and its routes. */
export interface DashboardPage {
  nav?: NavEntry;
  register(router: PageRouter, deps: DashboardDeps): void;
}

function viewOf(c: Context, session: ActiveSession, deps: DashboardDeps, nav: readonly NavEntry[]): ViewContext {
  return {
    root: relativeRoot(c.req.path),
    path: c.req.path,
    caller: session.caller,
    canWrite: session.canWrite,
    csrfToken: session.csrfToken,
    sessionExpiresAt: session.expiresAt,
    storage: deps.relay.store.kind,
    replicaId: deps.relay.replicaId,
    now: deps.relay.clock.now(),
    nav,
    flash: null,
  };
}

/** A refusal as a small page (403 and friends), never a change. */
export function refuse(c: Context, status: 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503, title: string, text: string): Promise<Response> {
  return sendPage(c, MessagePage({ root: relativeRoot(c.req.path), title, text }), status);
}

export function pageRouter(app: Hono<DashboardEnv>, sessions: Sessions, deps: DashboardDeps, nav: () => readonly NavEntry[]): PageRouter {
  const limit = bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => refuse(c, 413, 'Too large', 'That form was larger than any of this dashboard’s forms.') });

  return {
    get(path, handler) {
      app.get(path, async (c) => {
        const session = await sessions.current(c);
        if (!session) {
          // The auto-refresh script reloads on 401, which lands on the login page.
          if (fragmentWanted(c)) return c.body(null, 401);
          return redirectTo(c, 'login');
        }
        c.set('caller', session.caller);
        const view = viewOf(c, session, deps, nav());
        if (!fragmentWanted(c)) view.flash = takeFlash(c);
        c.set('view', view);
        return handler(c);
      });
    },

    post(path, handler, opts) {
      app.post(path, limit, async (c) => {
        const crossSite = crossSiteReason(c);
        if (crossSite) {
          deps.logger.warn({ path: c.req.path, reason: crossSite }, 'dashboard refused a cross-site request');
          return refuse(c, 403, 'Refused', `This request was refused: ${crossSite}.`);
        }
        const session = await sessions.current(c);
        if (!session) return refuse(c, 403, 'Not logged in', 'Your session has ended. Log in again, then retry.');
        c.set('caller', session.caller);
        const form = await c.req.parseBody();
        if (!equalStrings(form._csrf, session.csrfToken)) {
          deps.logger.warn({ path: c.req.path, token: session.caller.name }, 'dashboard refused a request without its CSRF token');
          return refuse(c, 403, 'Refused', 'This form is out of date or did not come from this dashboard. Reload the page and try again.');
        }
        if (!opts.anyScope && !session.canWrite) {
          return refuse(c, 403, 'Read-only', `Token "${session.caller.name}" may look but not change anything: that needs a token with the admin scope.`);
        }
        c.set('view', viewOf(c, session, deps, nav()));
        try {
          const result = await handler(c, form);
          if (result instanceof Response) return result;
          return redirectTo(c, result.to, { kind: 'ok', text: result.message });
        } catch (err) {
          // Refusals (404, 409, ...) and a database that is away are told on the page; bugs go to onError.
          if (!(err instanceof RelayError) || (err.status >= 500 && !isStorageError(err))) throw err;
          const to = typeof opts.onError === 'string' ? opts.onError : opts.onError(c);
          return redirectTo(c, to, { kind: 'error', text: err.message });
        }
      });
    },
  };
}
