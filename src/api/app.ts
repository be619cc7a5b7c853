// The admin API: health, sources, subscriptions and deliveries, behind bearer auth with token scopes.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { RelayControl } from './control.js';
import { bearerAuth, tokenTable } from './auth.js';
import type { MetricsAuthMode, NamedToken } from '../config/index.js';
import { ApiError, errorBody, respondError } from './errors.js';
import { MAX_BODY_BYTES } from './validate.js';
import { replicaRoutes, sourceRoutes } from './routes/sources.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { subscriptionActionRoutes } from './routes/subscription-actions.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { eventRoutes } from './routes/events.js';
import { requestLog } from './request-log.js';
import { hookRoutes } from './routes/hooks.js';
import { filterRoutes } from './routes/filters.js';
import { docsRoutes } from './routes/docs.js';
import { describeRoute, type RouteDoc } from './describe.js';
import { callerSchema, healthSchema } from './schemas/common.js';
import { closeAfterRefusedBody } from './close-unread.js';
import { securityHeaders } from './security-headers.js';
import { dashboardRoutes } from '../dashboard/index.js';
import { refuse } from '../dashboard/router.js';
import { isStorageError } from '../store/index.js';
import type { Context } from 'hono';

/** What GET /metrics serves (src/metrics.ts). */
export interface MetricsEndpoint {
  contentType: string;
  render(): Promise<string>;
}

export interface ApiOptions {
  adminToken: string;
  /** server.tokens: named tokens with scopes. */
  tokens?: readonly NamedToken[];
  /** token: GET /metrics needs a token with the metrics, read or admin scope. */
  metricsAuth?: MetricsAuthMode;
  logger: Logger;
  metrics?: MetricsEndpoint;
  /** The operator dashboard at / (server.dashboard), with how long a login lasts; absent: none. */
  dashboard?: { sessionTtlMs: number };
}

/** What the routes defined here say about themselves in /openapi.json (src/api/describe.ts). */
const DOCS = {
  getHealth: {
    operationId: 'getHealth', tag: 'Health', summary: 'Liveness check (no auth)',
    responses: { 200: { description: 'The relay is up.', schema: healthSchema } },
  },
  getMetrics: {
    operationId: 'getMetrics', tag: 'Health', summary: 'Prometheus metrics',
    description: 'No auth by default; with server.metricsAuth: token, a bearer token is needed.',
    responses: { 200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' } },
  },
  whoami: {
    operationId: 'whoami', tag: 'Health', summary: "The calling token's name and scopes",
    responses: { 200: { description: 'Who is calling.', schema: callerSchema } },
  },
} satisfies Record<string, RouteDoc>;

/** A browser asking for a dashboard page (not the JSON API), which gets its errors as a page. */
const wantsPage = (c: Context) => !c.req.path.startsWith('/v1/') && (c.req.header('accept') ?? '').includes('text/html');

export function createApi(relay: RelayControl, opts: ApiOptions) {
  const app = new Hono();
  const tokens = tokenTable(opts.adminToken, opts.tokens);
  const auth = bearerAuth(tokens);

  // First, so every route (and every 401 and 404) gets a request id and an access-log line.
  app.use('*', requestLog(opts.logger));
  app.use('*', closeAfterRefusedBody());
  // On every answer: the HTML pages (/docs, the dashboard to come) need it, the JSON does no harm by it.
  app.use('*', securityHeaders());

  app.get('/healthz', describeRoute(DOCS.getHealth), (c) => c.json({ status: 'ok', replica: relay.replicaId, storage: relay.store.kind }));
  // Open by default like /healthz, for Prometheus scrapers (labels hold only ids and vendor names);
  // metricsAuth: token puts it behind a token for relays whose port is reachable from outside.
  const metrics = opts.metrics;
  if (metrics) {
    if (opts.metricsAuth === 'token') app.use('/metrics', auth);
    app.get('/metrics', describeRoute(DOCS.getMetrics), async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));
  }
  // GET /openapi.json and GET /docs (Swagger UI, offline): no auth, like /healthz.
  app.route('/', docsRoutes(() => app.routes));
  // GET / and its pages, /login, /logout, /assets/*: HTML for people, behind a session cookie.
  if (opts.dashboard) app.route('/', dashboardRoutes(relay, { tokens, sessionTtlMs: opts.dashboard.sessionTtlMs, logger: opts.logger.child({ component: 'dashboard' }) }));

  app.use('/v1/*', auth);
  app.get('/v1/whoami', describeRoute(DOCS.whoami), (c) => c.json({ name: c.get('caller').name, scopes: c.get('caller').scopes }));
  // Stops reading a body at the limit, with or without content-length (chunked bodies included).
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'body_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.route('/v1/sources', sourceRoutes(relay));
  app.route('/v1/replicas', replicaRoutes(relay));
  app.route('/v1/subscriptions', subscriptionRoutes(relay));
  app.route('/v1/subscriptions', subscriptionActionRoutes(relay));
  app.route('/v1/deliveries', deliveryRoutes(relay));
  app.route('/v1/events', eventRoutes(relay));
  app.route('/v1/hooks', hookRoutes(relay));
  app.route('/v1/filters', filterRoutes(relay));

  app.notFound((c) => {
    if (opts.dashboard && wantsPage(c)) return refuse(c, 404, 'Not found', `There is no page at ${c.req.path}.`);
    return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError(async (err, c) => {
    const res = respondError(c, err);
    if (res.status >= 500) opts.logger.error({ err, path: c.req.path, requestId: c.get('requestId') }, 'admin API request failed');
    if (opts.dashboard && wantsPage(c) && res.status >= 500) {
      // The database away (503) says what to do; anything else stays in the log.
      const text = isStorageError(err) ? (err as Error).message : 'Something went wrong; the relay log has the details.';
      return refuse(c, res.status === 503 ? 503 : 500, 'Not available', text);
    }
    return res;
  });
  return app;
}
