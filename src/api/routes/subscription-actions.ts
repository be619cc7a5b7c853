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

  // Rotation and the test ping: subscription-service.ts (the dashboard does the same).
  app.post('/:id/rotate-secret', async (c) => {
    const id = c.req.param('id');
    refuseConfigRotation(await guards.requireSubscription(id)); // before the body is read
    const body = await parseJsonBody(c, rotateSecretSchema, { optional: true });
    return c.json(await rotateSecret(relay, id, body.secret));
  });

  app.post('/:id/test', async (c) => c.json(await sendTestPing(relay, c.req.param('id')), 202));

  app.post('/:id/replay', async (c) => {
    const sub = await guards.requireSubscription(c.req.param('id'));
    const body = await parseJsonBody(c, replayRequestSchema);
    const until = body.until ?? clock.now() + 1;
    const result = await replayRange(relay, sub, body.since, until, { ignoreFilter: body.ignoreFilter });
    return c.json({ subscriptionId: sub.id, since: iso(body.since), until: iso(until), ...result }, 202);
  });

  return app;
}
