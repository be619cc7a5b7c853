// One delivery: read it, or send it again now.
import { Hono } from 'hono';
import type { RelayControl } from '../control.js';
import { notFound } from '../errors.js';
import { presentDelivery } from '../present.js';
import { retryDelivery } from '../subscription-service.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { deliverySchema, retryAcceptedSchema } from '../schemas/deliveries.js';

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  getDelivery: {
    operationId: 'getDelivery', tag: 'Deliveries', summary: 'One delivery with its attempts',
    params: { id: 'The delivery id.' },
    responses: { 200: { description: 'The delivery.', schema: deliverySchema } },
    errors: [404],
  },
  retryDelivery: {
    operationId: 'retryDelivery', tag: 'Deliveries', summary: 'One more attempt now',
    params: { id: 'The delivery id.' },
    responses: { 202: { description: 'Queued.', schema: retryAcceptedSchema } },
    errors: [404, 409],
  },
} satisfies Record<string, RouteDoc>;

export function deliveryRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store } = relay;

  app.get('/:id', describeRoute(DOCS.getDelivery), async (c) => {
    const d = await store.deliveries.get(c.req.param('id'));
    if (!d) throw notFound('delivery', c.req.param('id'));
    return c.json(presentDelivery(d));
  });

  // One more attempt now (a failed delivery gets a single attempt; a pending one just goes sooner).
  app.post('/:id/retry', describeRoute(DOCS.retryDelivery), async (c) => {
    const id = c.req.param('id');
    await retryDelivery(relay, id);
    return c.json({ id, status: 'pending' }, 202);
  });

  return app;
}
