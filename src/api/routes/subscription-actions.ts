// Operating one subscription: its delivery log, secret (read and rotate), a test send, and replay.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import { livePreviousSecrets } from '../../store/index.js';
import { secretSchema } from '../../config/index.js';
import { refuseConfigRotation, rotateSecret, sendTestPing } from '../subscription-service.js';
import { iso, presentDelivery } from '../present.js';
import { pageLimitSchema } from '../schemas/common.js';
import { parseJsonBody, parseQuery } from '../validate.js';
import { subscriptionGuards } from './subscription-guards.js';
import { replayRange } from './replay.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { deliveryPageSchema } from '../schemas/deliveries.js';
import { replayResultSchema, rotatedSecretSchema, subscriptionSecretSchema, testSendSchema } from '../schemas/subscriptions.js';

export const deliveriesQuerySchema = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: pageLimitSchema.optional(),
  cursor: z.string().max(100).optional(),
});

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-05-14T15:30:00Z' }).transform((s) => Date.parse(s));

export const replayRequestSchema = z
  .strictObject({
    since: isoTime,
    until: isoTime.optional(),
    /** true: replay every event its events/sources select, whatever its content filter says. */
    ignoreFilter: z.boolean().optional(),
  })
  .refine((r) => r.until === undefined || r.until > r.since, { error: 'must be after since', path: ['until'] });

export const rotateSecretSchema = z.strictObject({ secret: secretSchema.optional() });

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const subId = { id: 'The subscription id.' };
const DOCS = {
  listDeliveries: {
    operationId: 'listDeliveries', tag: 'Deliveries', summary: "A subscription's deliveries, newest first", params: subId, query: deliveriesQuerySchema,
    queryDocs: { status: 'Only deliveries in this state.', limit: '1 to 200, default 50.', cursor: "The previous page's nextCursor." },
    responses: { 200: { description: 'One page of deliveries, each with its attempts.', schema: deliveryPageSchema } },
    errors: [404],
  },
  getSubscriptionSecret: {
    operationId: 'getSubscriptionSecret', tag: 'Subscriptions', summary: 'Read the signing secret', params: subId,
    responses: { 200: { description: 'The secret (and the previous one during a rotation).', schema: subscriptionSecretSchema } },
    errors: [404],
  },
  rotateSubscriptionSecret: {
    operationId: 'rotateSubscriptionSecret', tag: 'Subscriptions', summary: 'New signing secret; the old one keeps signing for the grace period', params: subId,
    description:
      'Earlier secrets still in their grace period keep signing too, up to 3 at once; a rotation that would need a 4th is 409 rotation_limit_reached. ' +
      'A config-file subscription is 409 managed_by_config. A secret equal to the current one is 400.',
    body: rotateSecretSchema, bodyOptional: true,
    responses: { 200: { description: 'The new secret.', schema: rotatedSecretSchema } },
    errors: [404, 409],
  },
  testSubscription: {
    operationId: 'testSubscription', tag: 'Subscriptions', summary: 'Send a signed ping to this subscription', params: subId,
    responses: { 202: { description: 'Queued.', schema: testSendSchema } },
    errors: [404, 409],
  },
  replaySubscription: {
    operationId: 'replaySubscription', tag: 'Subscriptions', summary: 'Send every matching event of a time range again (same webhook-ids)', params: subId,
    body: replayRequestSchema,
    responses: { 202: { description: 'Queued.', schema: replayResultSchema } },
    errors: [404],
  },
} satisfies Record<string, RouteDoc>;

export function subscriptionActionRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store, clock } = relay;
  const guards = subscriptionGuards(relay);

  app.get('/:id/deliveries', describeRoute(DOCS.listDeliveries), async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const q = parseQuery(c, deliveriesQuerySchema);
    const limit = q.limit ?? 50;
    const rows = await store.deliveries.listForSubscription(sub.id, { status: q.status, before: q.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return c.json({ data: page.map(presentDelivery), nextCursor: rows.length > limit ? page.at(-1)!.id : null });
  });

  // The secret is shown once at creation; this lets an operator read it again, e.g. one the relay
  // generated for a config-file subscription (Svix offers the same).
  app.get('/:id/secret', describeRoute(DOCS.getSubscriptionSecret), async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const previous = livePreviousSecrets(sub, clock.now()).map((p) => ({ secret: p.secret, expiresAt: iso(p.expiresAt) }));
    const [latest] = previous;
    return c.json({
      secret: sub.secret,
      // previousSecret(ExpiresAt): the one the last rotation replaced, as before several could sign.
      ...(latest ? { previousSecret: latest.secret, previousSecretExpiresAt: latest.expiresAt, previousSecrets: previous } : {}),
    });
  });

  // Rotation and the test ping: subscription-service.ts (the dashboard does the same).
  app.post('/:id/rotate-secret', describeRoute(DOCS.rotateSubscriptionSecret), async (c) => {
    const id = c.req.param('id');
    refuseConfigRotation(await guards.requireSubscription(id)); // before the body is read
    const body = await parseJsonBody(c, rotateSecretSchema, { optional: true });
    return c.json(await rotateSecret(relay, id, body.secret));
  });

  app.post('/:id/test', describeRoute(DOCS.testSubscription), async (c) => c.json(await sendTestPing(relay, c.req.param('id')), 202));

  app.post('/:id/replay', describeRoute(DOCS.replaySubscription), async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const body = await parseJsonBody(c, replayRequestSchema);
    const until = body.until ?? clock.now() + 1;
    const result = await replayRange(relay, sub, body.since, until, { ignoreFilter: body.ignoreFilter });
    return c.json({ subscriptionId: sub.id, since: iso(body.since), until: iso(until), ...result }, 202);
  });

  return app;
}
