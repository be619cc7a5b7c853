// The admin API: health, sources, subscriptions and deliveries, behind bearer auth.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { RelayControl } from './control.js';
import { bearerAuth } from './auth.js';
import { ApiError, errorBody, respondError } from './errors.js';
import { MAX_BODY_BYTES } from './validate.js';
import { sourceRoutes } from './routes/sources.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { subscriptionActionRoutes } from './routes/subscription-actions.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { eventRoutes } from './routes/events.js';

export function createApi(relay: RelayControl, opts: { adminToken: string; logger: Logger }) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.use('/v1/*', bearerAuth(opts.adminToken));
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
  app.route('/v1/subscriptions', subscriptionRoutes(relay));
  app.route('/v1/subscriptions', subscriptionActionRoutes(relay));
  app.route('/v1/deliveries', deliveryRoutes(relay));
  app.route('/v1/events', eventRoutes(relay));

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    const res = respondError(c, err);
    if (res.status >= 500) opts.logger.error({ err, path: c.req.path }, 'admin API request failed');
    return res;
  });
  return app;
}
