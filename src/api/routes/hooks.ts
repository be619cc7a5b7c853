// REST hooks (Zapier's "REST Hook" triggers, also usable by Make, Pipedream, ...): subscribe a target
// URL to one event type or pattern, unsubscribe it, and sample payloads for field mapping.
// A hook is a subscription with origin 'hook': same table, same delivery, signing and retries; it
// shows up in GET /v1/subscriptions. A 410 Gone from its target removes it (store/sqlite/deliveries/record-attempts.ts).
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import type { Subscription } from '../../store/index.js';
import { newSubscription } from '../../store/index.js';
import { EVENT_TYPE_FILTERS, eventTypeFilterSchema, sourceIdSchema, webhookUrlSchema } from '../../config/index.js';
import { generateSecret } from '../../delivery/sign.js';
import { filterSchema, payloadOptionsSchema } from '../../filters/index.js';
import type { JsonObject } from '../../model.js';
import { newId } from '../../util/ids.js';
import { ApiError, notFound } from '../errors.js';
import { parseJsonBody } from '../validate.js';
import { hookSamples } from '../hook-samples.js';
import { subscriptionGuards } from './subscription-guards.js';
import { presentUrl } from '../present.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { hookSamplesSchema, hookSchema } from '../schemas/hooks.js';

export const createHookSchema = z.strictObject({
  target_url: webhookUrlSchema,
  event: eventTypeFilterSchema,
  sources: z.array(sourceIdSchema).min(1).max(100).nullable().optional(),
  /** Only events matching this content filter are sent (docs/filters.md): Zapier triggers such as "Lead status changed" set one. */
  filter: filterSchema.nullable().optional(),
  payload: payloadOptionsSchema.nullable().optional(),
});

export function presentHook(sub: Subscription) {
  return { id: sub.id, event: sub.events[0] ?? '*', target_url: presentUrl(sub.url), sources: sub.sources, filter: sub.filter, payload: sub.payload };
}

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  createHook: {
    operationId: 'createHook', tag: 'REST hooks', summary: 'Subscribe a REST hook (Zapier)',
    body: createHookSchema,
    responses: { 201: { description: 'Created.', schema: hookSchema } },
    errors: [409],
  },
  deleteHook: {
    operationId: 'deleteHook', tag: 'REST hooks', summary: 'Unsubscribe a REST hook',
    params: { id: 'The hook id.' },
    responses: { 204: { description: 'Removed.' } },
    errors: [404],
  },
  getHookSamples: {
    operationId: 'getHookSamples', tag: 'REST hooks', summary: "Sample payloads for a trigger's field mapping",
    params: { type: 'An event type or pattern (lead.created, lead.*, *).' },
    responses: { 200: { description: 'Sample webhook bodies.', schema: hookSamplesSchema } },
    errors: [404],
  },
} satisfies Record<string, RouteDoc>;

export function hookRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store, clock } = relay;
  const guards = subscriptionGuards(relay);

  app.post('/', describeRoute(DOCS.createHook), async (c) => {
    const body = await parseJsonBody(c, createHookSchema);
    guards.checkSources(body.sources);
    await guards.checkTarget(body.target_url, 'target_url');
    const sub = newSubscription(
      {
        id: newId('sub', clock.now()),
        url: body.target_url,
        // Zapier does not check signatures, but every webhook is signed all the same.
        secret: generateSecret(),
        events: [body.event],
        sources: body.sources ?? null,
        description: `REST hook: ${body.event}`,
        headers: {},
        maxPerSecond: null,
        maxConcurrency: null,
        filter: (body.filter ?? null) as JsonObject | null,
        payload: body.payload ?? null,
        origin: 'hook',
        createdBy: c.get('caller').name,
      },
      new Date(clock.now()).toISOString(),
    );
    await guards.insertNew(sub);
    relay.deliveryChanged();
    return c.json(presentHook(sub), 201);
  });

  app.get('/samples/:type', describeRoute(DOCS.getHookSamples), (c) => {
    const type = c.req.param('type');
    const idOf = (vendor: string) => relay.sources.find((s) => s.vendor === vendor)?.id;
    const samples = hookSamples(type, { mega: idOf('mega'), apten: idOf('apten') });
    if (!samples) {
      throw new ApiError(404, 'not_found', `no samples for event type "${type}"; one of ${EVENT_TYPE_FILTERS.join(', ')}`);
    }
    return c.json(samples);
  });

  app.delete('/:id', describeRoute(DOCS.deleteHook), async (c) => {
    const id = c.req.param('id');
    const sub = await store.subscriptions.get(id);
    const caller = c.get('caller');
    // Only hooks: a subscription made otherwise is not this route's to remove. A token without the
    // admin scope removes only the hooks it made (one Zapier account cannot unsubscribe another's);
    // someone else's hook answers as an unknown one, so its existence is not confirmed either.
    const own = caller.scopes.includes('admin') || sub?.createdBy === caller.name;
    if (!sub || sub.origin !== 'hook' || !own) throw notFound('hook', id);
    await store.subscriptions.delete(sub.id);
    relay.deliveryChanged();
    return c.body(null, 204);
  });

  return app;
}
