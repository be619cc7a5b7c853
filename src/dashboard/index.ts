// The operator dashboard, served by the relay next to the admin API (same app, same port): the
// login (a token in a form, then a session cookie), logout, its assets, and the pages of pages/.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { identify } from '../api/auth.js';
import type { RelayControl } from '../api/control.js';
import type { NamedToken } from '../config/index.js';
import { assetRoutes } from './assets.js';
import { clientAddress, crossSiteReason } from './guards.js';
import { LoginLimiter, type LoginLimits } from './login-limiter.js';
import { LoginPage } from './pages/login.js';
import { pages } from './pages/index.js';
import { MAX_FORM_BYTES, pageRouter, refuse, type DashboardDeps } from './router.js';
import { DASHBOARD_SCOPES, SESSION_COOKIE, Sessions } from './session.js';
import { cookieOptions, redirectTo, relativeRoot, sendPage, takeFlash, type DashboardEnv, type NavEntry } from './view.js';

export interface DashboardOptions {
  /** server.adminToken (named admin) and server.tokens: the tokens that may log in. */
  tokens: readonly NamedToken[];
  /** server.dashboardSessionTtl */
  sessionTtlMs: number;
  logger: Logger;
  loginLimits?: LoginLimits;
}

/** The login form's one field; a token is 24 to a few hundred characters. */
const MAX_TOKEN_LENGTH = 1024;

export function dashboardRoutes(relay: RelayControl, opts: DashboardOptions) {
  const app = new Hono<DashboardEnv>();
  const { logger } = opts;
  const now = () => relay.clock.now();
  const sessions = new Sessions({ store: relay.store, now, tokens: opts.tokens, key: relay.fingerprintKey, ttlMs: opts.sessionTtlMs });
  const limiter = new LoginLimiter(now, opts.loginLimits);
  const deps: DashboardDeps = { relay, logger };
  const nav: NavEntry[] = pages.flatMap((p) => (p.nav ? [p.nav] : []));

  app.route('/', assetRoutes());

  app.get('/login', async (c) => {
    if (await sessions.current(c)) return redirectTo(c, '');
    return sendPage(c, LoginPage({ root: relativeRoot(c.req.path), flash: takeFlash(c) }));
  });

  const formLimit = bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => refuse(c, 413, 'Too large', 'That form was larger than the login form.') });
  app.post('/login', formLimit, async (c) => {
    const root = relativeRoot(c.req.path);
    const crossSite = crossSiteReason(c);
    if (crossSite) return refuse(c, 403, 'Refused', `This login was refused: ${crossSite}.`);
    const client = clientAddress(c);
    const wait = limiter.retryAfterMs(client);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      c.header('retry-after', String(seconds));
      logger.warn({ client }, 'dashboard login refused: too many failed attempts from this address');
      return sendPage(c, LoginPage({ root, error: `Too many failed logins from your address. Try again in ${seconds} s.` }), 429);
    }
    const form = await c.req.parseBody();
    const given = typeof form.token === 'string' ? form.token.trim() : '';
    const caller = given && given.length <= MAX_TOKEN_LENGTH ? identify(given, opts.tokens) : null;
    if (!caller) {
      limiter.fail(client);
      // The token is never logged, nor whether it was close to one: only that a login failed, and from where.
      logger.warn({ client }, 'dashboard login failed');
      return sendPage(c, LoginPage({ root, error: 'That token was not accepted.' }), 401);
    }
    if (!caller.scopes.some((s) => DASHBOARD_SCOPES.includes(s))) {
      logger.info({ token: caller.name }, 'dashboard login refused: the token has no dashboard scope');
      return sendPage(
        c,
        LoginPage({
          root,
          error: `Token "${caller.name}" (scopes: ${caller.scopes.join(', ')}) cannot open the dashboard: it needs the admin scope, or read for a read-only view.`,
        }),
        403,
      );
    }
    const token = opts.tokens.find((t) => t.name === caller.name)!;
    const opened = await sessions.open(token);
    setCookie(c, SESSION_COOKIE, opened.id, cookieOptions(c, opts.sessionTtlMs / 1000));
    c.set('caller', caller);
    logger.info({ token: caller.name, client }, 'dashboard login');
    return redirectTo(c, '');
  });

  const router = pageRouter(app, sessions, deps, () => nav);
  router.post(
    '/logout',
    async (c) => {
      const session = await sessions.current(c);
      if (session) await sessions.close(session);
      deleteCookie(c, SESSION_COOKIE, cookieOptions(c, 0));
      return { to: 'login', message: 'You are logged out.' };
    },
    { onError: 'login', anyScope: true },
  );
  for (const page of pages) page.register(router, deps);
  return app;
}
