// One delivery: read it, or send it again now.
import { Hono } from 'hono';
import type { RelayControl } from '../control.js';
import { notFound } from '../errors.js';
import { presentDelivery } from '../present.js';
import { retryDelivery } from '../subscription-service.js';

export function deliveryRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store } = relay;

  app.get('/:id', async (c) => {
    const d = await store.deliveries.get(c.req.param('id'));
    if (!d) throw notFound('delivery', c.req.param('id'));
    return c.json(presentDelivery(d));
  });

  // One more attempt now (a failed delivery gets a single attempt; a pending one just goes sooner).
  app.post('/:id/retry', async (c) => {
    const id = c.req.param('id');
    await retryDelivery(relay, id);
    return c.json({ id, status: 'pending' }, 202);
  });

  return app;
}
