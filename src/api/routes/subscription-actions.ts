// Operating one subscription: its delivery log, secret (read and rotate), a test send, and replay.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import type { OutboxEvent } from '../../model.js';
import { MAX_PREVIOUS_SECRETS, livePreviousSecrets, previousAfterRotation } from '../../store/index.js';
import { secretSchema } from '../../config/index.js';
import { generateSecret } from '../../delivery/sign.js';
import { newId } from '../../util/ids.js';
import { ApiError } from '../errors.js';
import { iso, presentDelivery } from '../present.js';
import { pageLimitSchema } from '../schemas/common.js';
import { parseJsonBody, parseQuery } from '../validate.js';
import { subscriptionGuards } from './subscription-guards.js';
import { replayRange } from './replay.js';

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

export function subscriptionActionRoutes(relay: RelayControl) {
  const app = new Hono();
  const { store, clock } = relay;
  const guards = subscriptionGuards(relay);

  app.get('/:id/deliveries', async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const q = parseQuery(c, deliveriesQuerySchema);
    const limit = q.limit ?? 50;
    const rows = await store.deliveries.listForSubscription(sub.id, { status: q.status, before: q.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return c.json({ data: page.map(presentDelivery), nextCursor: rows.length > limit ? page.at(-1)!.id : null });
  });

  // The secret is shown once at creation; this lets an operator read it again, e.g. one the relay
  // generated for a config-file subscription (Svix offers the same).
  app.get('/:id/secret', async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const previous = livePreviousSecrets(sub, clock.now()).map((p) => ({ secret: p.secret, expiresAt: iso(p.expiresAt) }));
    const [latest] = previous;
    return c.json({
      secret: sub.secret,
      // previousSecret(ExpiresAt): the one the last rotation replaced, as before several could sign.
      ...(latest ? { previousSecret: latest.secret, previousSecretExpiresAt: latest.expiresAt, previousSecrets: previous } : {}),
    });
  });

  // A new secret signs from now on; the replaced one signs alongside it for the grace period, so
  // receivers can switch without dropping a webhook (Standard Webhooks allows several signatures).
  // Rotating again within that period keeps every earlier secret signing, up to MAX_PREVIOUS_SECRETS.
  app.post('/:id/rotate-secret', async (c) => {
    const id = c.req.param('id');
    if ((await guards.requireSubscription(id)).origin === 'config') {
      throw new ApiError(
        409,
        'managed_by_config',
        `subscription "${id}" is defined in the config file; change its secret there (the old one keeps signing for delivery.secretRotationGrace)`,
      );
    }
    const body = await parseJsonBody(c, rotateSecretSchema, { optional: true });
    const sub = await guards.requireSubscription(id); // read again: it may have changed while the body came in
    if (body.secret === sub.secret) {
      throw new ApiError(400, 'invalid_request', 'secret: is already the current secret', [{ field: 'secret', message: 'is already the current secret' }]);
    }
    const now = clock.now();
    const secret = body.secret ?? generateSecret();
    const previousSecrets = previousAfterRotation(sub, secret, now, relay.secretRotationGraceMs);
    if (previousSecrets.length > MAX_PREVIOUS_SECRETS) {
      const oldest = previousSecrets.at(-1)!;
      throw new ApiError(
        409,
        'rotation_limit_reached',
        `${MAX_PREVIOUS_SECRETS} earlier secrets of subscription "${id}" still sign, the oldest until ${iso(oldest.expiresAt)}; ` +
          'rotate again after that (receivers on it would fail otherwise)',
      );
    }
    await store.subscriptions.update(sub.id, { secret, previousSecrets }, new Date(now).toISOString());
    relay.deliveryChanged(); // the worker signs with the new secret from its next attempt on
    return c.json({ id: sub.id, secret, previousSecretExpiresAt: iso(previousSecrets[0]!.expiresAt) });
  });

  // A signed `ping` to this subscription only, whatever its event filters: checks URL, secret and headers.
  app.post('/:id/test', async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    if (!sub.enabled) throw new ApiError(409, 'subscription_disabled', `subscription "${sub.id}" is disabled; enable it first`);
    const now = clock.now();
    const at = new Date(now).toISOString();
    const event: OutboxEvent = {
      id: newId('evt', now),
      type: 'ping',
      sourceId: '',
      leadId: '',
      createdAt: at,
      body: { type: 'ping', timestamp: at, data: { subscriptionId: sub.id, message: 'leadrelay test event' } },
    };
    const deliveryId = newId('dlv', now);
    await store.deliveries.insertPing(sub.id, event, deliveryId, now);
    relay.deliveryChanged();
    return c.json({ deliveryId, eventId: event.id }, 202);
  });

  app.post('/:id/replay', async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const body = await parseJsonBody(c, replayRequestSchema);
    const until = body.until ?? clock.now() + 1;
    const result = await replayRange(relay, sub, body.since, until, { ignoreFilter: body.ignoreFilter });
    return c.json({ subscriptionId: sub.id, since: iso(body.since), until: iso(until), ...result }, 202);
  });

  return app;
}
