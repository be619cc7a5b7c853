// Subscriptions CRUD: where to send which events, with which secret, headers and limits.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import type { Subscription } from '../../store/index.js';
import { newSubscription } from '../../store/index.js';
import {
  eventTypeFilterSchema,
  secretSchema,
  sourceIdSchema,
  subscriptionHeadersSchema,
  webhookUrlSchema,
} from '../../config/index.js';
import { generateSecret } from '../../delivery/sign.js';
import { filterSchema, payloadOptionsSchema } from '../../filters/index.js';
import type { JsonObject } from '../../model.js';
import { newId } from '../../util/ids.js';
import { ApiError } from '../errors.js';
import { presentSubscription } from '../present.js';
import { pageLimitSchema } from '../schemas/common.js';
import { parseJsonBody, parseQuery } from '../validate.js';
import { subscriptionGuards } from './subscription-guards.js';
import { changeSubscription } from '../subscription-service.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { subscriptionListSchema, subscriptionSchema, subscriptionWithSecretSchema, updatedSubscriptionSchema } from '../schemas/subscriptions.js';

const eventsSchema = z.array(eventTypeFilterSchema).min(1).max(20);
const sourcesSchema = z.array(sourceIdSchema).min(1).max(100);
const descriptionSchema = z.string().max(1000);
const maxPerSecondSchema = z.number().gt(0).max(10_000);
const maxConcurrencySchema = z.number().int().min(1).max(1000);

// The cursor is the last subscription of the previous page (created at, id), opaque to clients.
const encodeCursor = (s: { createdAt: string; id: string }) => Buffer.from(JSON.stringify(['s', s.createdAt, s.id])).toString('base64url');
const cursorSchema = z.string().transform((text, ctx) => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const parts: unknown[] = Array.isArray(decoded) ? decoded : [];
  const ok = parts.length === 3 && parts[0] === 's' && parts.every((p) => typeof p === 'string');
  const after = ok ? { createdAt: parts[1] as string, id: parts[2] as string } : null;
  if (!after || encodeCursor(after) !== text) {
    ctx.addIssue({ code: 'custom', message: "is not a nextCursor from this route's previous page" });
    return z.NEVER;
  }
  return after;
});

export const listSubscriptionsQuerySchema = z.strictObject({
  limit: pageLimitSchema.optional(),
  cursor: cursorSchema.optional(),
});

export const createSubscriptionSchema = z.strictObject({
  url: webhookUrlSchema,
  events: eventsSchema.optional(),
  sources: sourcesSchema.nullable().optional(),
  description: descriptionSchema.nullable().optional(),
  secret: secretSchema.optional(),
  headers: subscriptionHeadersSchema.optional(),
  maxPerSecond: maxPerSecondSchema.nullable().optional(),
  maxConcurrency: maxConcurrencySchema.nullable().optional(),
  filter: filterSchema.nullable().optional(),
  payload: payloadOptionsSchema.nullable().optional(),
});

export const updateSubscriptionSchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    events: eventsSchema.optional(),
    sources: sourcesSchema.nullable().optional(),
    description: descriptionSchema.nullable().optional(),
    headers: subscriptionHeadersSchema.nullable().optional(),
    maxPerSecond: maxPerSecondSchema.nullable().optional(),
    maxConcurrency: maxConcurrencySchema.nullable().optional(),
    filter: filterSchema.nullable().optional(),
    payload: payloadOptionsSchema.nullable().optional(),
    enabled: z.boolean().optional(),
    /** With enabled: true, queue again what was detected while the subscription was disabled. */
    replayMissed: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'at least one field to change is required' })
  .refine((p) => !p.replayMissed || p.enabled === true, { error: 'replayMissed goes with enabled: true', path: ['replayMissed'] });

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const subId = { id: 'The subscription id.' };
const DOCS = {
  createSubscription: {
    operationId: 'createSubscription', tag: 'Subscriptions', summary: 'Subscribe a URL',
    description: 'At most delivery.maxSubscriptions subscriptions (config, API and REST hooks together); past that, 409 subscription_limit_reached.',
    body: createSubscriptionSchema,
    responses: { 201: { description: 'Created; the only answer that carries the secret besides GET …/secret.', schema: subscriptionWithSecretSchema } },
    errors: [409],
  },
  listSubscriptions: {
    operationId: 'listSubscriptions', tag: 'Subscriptions', summary: 'The subscriptions (without secrets), oldest first',
    query: listSubscriptionsQuerySchema,
    queryDocs: { limit: '1 to 200, default 50.', cursor: "The previous page's nextCursor (opaque)." },
    responses: { 200: { description: 'One page of subscriptions.', schema: subscriptionListSchema } },
  },
  getSubscription: {
    operationId: 'getSubscription', tag: 'Subscriptions', summary: 'One subscription', params: subId,
    responses: { 200: { description: 'The subscription.', schema: subscriptionSchema } },
    errors: [404],
  },
  updateSubscription: {
    operationId: 'updateSubscription', tag: 'Subscriptions', summary: 'Change a subscription',
    description: 'A config-file subscription can only change enabled (anything else is 409 managed_by_config).',
    params: subId, body: updateSubscriptionSchema,
    responses: { 200: { description: 'The subscription after the change.', schema: updatedSubscriptionSchema } },
    errors: [404, 409],
  },
  deleteSubscription: {
    operationId: 'deleteSubscription', tag: 'Subscriptions', summary: 'Remove a subscription', params: subId,
    responses: { 204: { description: 'Removed; its queued deliveries are dropped.' } },
    errors: [404, 409],
  },
} satisfies Record<string, RouteDoc>;

export function subscriptionRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store, clock } = relay;
  const guards = subscriptionGuards(relay);
  const nowIso = () => new Date(clock.now()).toISOString();
  const present = (s: Subscription, filtered?: Map<string, number>) => presentSubscription(s, clock.now(), relay.fingerprintKey, filtered?.get(s.id) ?? 0);

  app.post('/', describeRoute(DOCS.createSubscription), async (c) => {
    const body = await parseJsonBody(c, createSubscriptionSchema);
    guards.checkSources(body.sources);
    await guards.checkTarget(body.url);
    const sub = newSubscription(
      {
        id: newId('sub', clock.now()),
        url: body.url,
        secret: body.secret ?? generateSecret(),
        events: body.events ?? ['*'],
        sources: body.sources ?? null,
        description: body.description ?? null,
        headers: body.headers ?? {},
        maxPerSecond: body.maxPerSecond ?? null,
        maxConcurrency: body.maxConcurrency ?? null,
        filter: (body.filter ?? null) as JsonObject | null,
        payload: body.payload ?? null,
        origin: 'api',
        createdBy: c.get('caller').name,
      },
      nowIso(),
    );
    await guards.insertNew(sub);
    relay.deliveryChanged();
    return c.json({ ...present(sub), secret: sub.secret }, 201);
  });

  // Paged like the deliveries and the event log: there may be up to delivery.maxSubscriptions.
  app.get('/', describeRoute(DOCS.listSubscriptions), async (c) => {
    const q = parseQuery(c, listSubscriptionsQuerySchema);
    const limit = q.limit ?? 50;
    const [rows, filtered] = await Promise.all([store.subscriptions.listPage({ after: q.cursor, limit: limit + 1 }), store.subscriptions.filteredCounts()]);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json({
      data: page.map((s) => present(s, filtered)),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    });
  });

  app.get('/:id', describeRoute(DOCS.getSubscription), async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    return c.json(present(sub, await store.subscriptions.filteredCounts()));
  });

  app.patch('/:id', describeRoute(DOCS.updateSubscription), async (c) => {
    const current = await guards.requireSubscription(c.req.param('id'));
    const body = await parseJsonBody(c, updateSubscriptionSchema);
    const { sub, replayed } = await changeSubscription(relay, current, body);
    return c.json({ ...present(sub, await store.subscriptions.filteredCounts()), ...(replayed ? { replayed } : {}) });
  });

  app.delete('/:id', describeRoute(DOCS.deleteSubscription), async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    if (sub.origin === 'config') {
      throw new ApiError(409, 'managed_by_config', `subscription "${sub.id}" is defined in the config file; remove it there`);
    }
    await store.subscriptions.delete(sub.id);
    relay.deliveryChanged();
    return c.body(null, 204);
  });

  return app;
}
