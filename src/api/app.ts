// The admin API: health, sources, subscriptions and deliveries, behind bearer auth.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { RelayControl } from './control.js';
import { bearerAuth } from './auth.js';
import { errorBody, respondError } from './errors.js';
import { sourceRoutes } from './routes/sources.js';
import { subscriptionRoutes } from './routes/subscriptions.js';

export function createApi(relay: RelayControl, opts: { adminToken: string; logger: Logger }) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.use('/v1/*', bearerAuth(opts.adminToken));
  app.route('/v1/sources', sourceRoutes(relay));
  app.route('/v1/subscriptions', subscriptionRoutes(relay));

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    const res = respondError(c, err);
    if (res.status >= 500) opts.logger.error({ err, path: c.req.path }, 'admin API request failed');
    return res;
  });
  return app;
}
