// One delivery: read it, or send it again now.
import { Hono } from 'hono';
import type { RelayControl } from '../control.js';
import { ApiError, notFound } from '../errors.js';
import { presentDelivery } from '../present.js';

export function deliveryRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store, clock } = relay;

  app.get('/:id', async (c) => {
    const d = await store.deliveries.get(c.req.param('id'));
    if (!d) throw notFound('delivery', c.req.param('id'));
    return c.json(presentDelivery(d));
  });

  // One more attempt now (a failed delivery gets a single attempt; a pending one just goes sooner).
  app.post('/:id/retry', async (c) => {
    const id = c.req.param('id');
    const d = await store.deliveries.get(id);
    if (!d) throw notFound('delivery', id);
    const sub = await store.subscriptions.get(d.subscriptionId);
    if (!sub?.enabled) throw new ApiError(409, 'subscription_disabled', `subscription "${d.subscriptionId}" is disabled; enable it first`);
    if (!(await store.deliveries.retryNow(id, clock.now()))) {
      throw new ApiError(409, 'attempt_in_flight', `delivery "${id}" has an attempt in flight; try again when it finished`);
    }
    relay.deliveryChanged();
    return c.json({ id, status: 'pending' }, 202);
  });

  return app;
}
