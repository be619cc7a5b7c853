// Subscriptions CRUD and their delivery log.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import type { DeliveryView, Subscription } from '../../store/index.js';
import { eventTypeFilterSchema, secretSchema, sourceIdSchema, webhookUrlSchema } from '../../config/index.js';
import { generateSecret } from '../../delivery/sign.js';
import { checkTargetUrl } from '../../delivery/target-safety.js';
import { newId } from '../../util/ids.js';
import { ApiError, notFound } from '../errors.js';
import { parseJsonBody, parseQuery } from '../validate.js';

const eventsSchema = z.array(eventTypeFilterSchema).min(1).max(20);
const sourcesSchema = z.array(sourceIdSchema).min(1).max(100);
const descriptionSchema = z.string().max(1000);

const createSchema = z.strictObject({
  url: webhookUrlSchema,
  events: eventsSchema.optional(),
  sources: sourcesSchema.nullable().optional(),
  description: descriptionSchema.nullable().optional(),
  secret: secretSchema.optional(),
});

const patchSchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    events: eventsSchema.optional(),
    sources: sourcesSchema.nullable().optional(),
    description: descriptionSchema.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'at least one field to change is required' });

const deliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional(),
  cursor: z.string().max(100).optional(),
});

/** The public view; the secret is only ever shown when it is created. */
function present(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    sources: s.sources,
    description: s.description,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    origin: s.origin,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function presentDelivery(d: DeliveryView) {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    eventType: d.eventType,
    source: d.sourceId,
    leadId: d.leadId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    completedAt: iso(d.completedAt),
    attemptLog: d.attemptLog.map((a) => ({
      id: a.id,
      attempt: a.attempt,
      trigger: a.trigger,
      at: iso(a.startedAt),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
      nextAttemptAt: iso(a.nextAttemptAt),
    })),
  };
}

export function subscriptionRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store } = relay;
  const nowIso = () => new Date(relay.clock.now()).toISOString();

  const requireSubscription = (id: string) => {
    const sub = store.subscriptions.get(id);
    if (!sub) throw notFound('subscription', id);
    return sub;
  };

  const checkSources = (sources: string[] | null | undefined) => {
    if (!sources) return;
    const known = new Set(relay.sources.map((s) => s.id));
    const details = sources
      .map((s, i) => ({ field: `sources[${i}]`, message: 'is not the id of a configured source', ok: known.has(s) }))
      .filter((d) => !d.ok)
      .map(({ field, message }) => ({ field, message }));
    if (details.length) {
      throw new ApiError(400, 'invalid_request', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
    }
  };

  const checkTarget = async (url: string | undefined) => {
    if (url === undefined || relay.allowPrivateTargets) return;
    const problem = await checkTargetUrl(url);
    if (problem) throw new ApiError(400, 'target_not_allowed', `url: ${problem}`, [{ field: 'url', message: problem }]);
  };

  app.post('/', async (c) => {
    const body = await parseJsonBody(c, createSchema);
    checkSources(body.sources);
    await checkTarget(body.url);
    const now = nowIso();
    const sub: Subscription = {
      id: newId('sub', relay.clock.now()),
      url: body.url,
      secret: body.secret ?? generateSecret(),
      events: body.events ?? ['*'],
      sources: body.sources ?? null,
      description: body.description ?? null,
      enabled: true,
      disabledReason: null,
      origin: 'api',
      createdAt: now,
      updatedAt: now,
    };
    store.subscriptions.insert(sub);
    relay.deliveryChanged();
    return c.json({ ...present(sub), secret: sub.secret }, 201);
  });

  app.get('/', (c) => c.json({ data: store.subscriptions.list().map(present) }));

  app.get('/:id', (c) => c.json(present(requireSubscription(c.req.param('id')))));

  app.patch('/:id', async (c) => {
    const current = requireSubscription(c.req.param('id'));
    const patch = await parseJsonBody(c, patchSchema);
    checkSources(patch.sources);
    if (current.origin === 'config') {
      const other = Object.keys(patch).filter((k) => k !== 'enabled');
      if (other.length) {
        throw new ApiError(
          409,
          'managed_by_config',
          `subscription "${current.id}" is defined in the config file; change ${other.join(', ')} there (only enabled can be changed here)`,
        );
      }
    }
    await checkTarget(patch.url);
    const next = store.subscriptions.update(
      current.id,
      {
        ...patch,
        ...(patch.enabled === true ? { disabledReason: null } : {}),
        ...(patch.enabled === false ? { disabledReason: 'disabled through the API' } : {}),
      },
      nowIso(),
    )!;
    relay.deliveryChanged();
    return c.json(present(next));
  });

  // The secret is shown once at creation; this lets an operator read it again, e.g. one the relay
  // generated for a config-file subscription (Svix offers the same).
  app.get('/:id/secret', (c) => c.json({ secret: requireSubscription(c.req.param('id')).secret }));

  app.delete('/:id', (c) => {
    const sub = requireSubscription(c.req.param('id'));
    if (sub.origin === 'config') {
      throw new ApiError(409, 'managed_by_config', `subscription "${sub.id}" is defined in the config file; remove it there`);
    }
    store.subscriptions.delete(sub.id);
    relay.deliveryChanged();
    return c.body(null, 204);
  });

  app.get('/:id/deliveries', (c) => {
    const sub = requireSubscription(c.req.param('id'));
    const q = parseQuery(c, deliveriesQuery);
    const limit = q.limit ?? 50;
    const rows = store.deliveries.listForSubscription(sub.id, { status: q.status, before: q.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return c.json({
      data: page.map(presentDelivery),
      nextCursor: rows.length > limit ? page.at(-1)!.id : null,
    });
  });

  return app;
}
