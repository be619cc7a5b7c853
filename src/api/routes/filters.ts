// POST /v1/filters/test: does a filter match a webhook body (given, or a logged event's), and if
// not, which condition failed. Changes nothing; for building filters by hand or in a Zapier/n8n UI.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import { compileFilter, explainFilter, filterSchema, parseFilter } from '../../filters/index.js';
import { notFound } from '../errors.js';
import { parseJsonBody } from '../validate.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { filterTestResultSchema } from '../schemas/filters.js';

export const filterTestSchema = z
  .strictObject({
    filter: filterSchema,
    event: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'A webhook body ({type, timestamp, data}) to test the filter on.' }),
    eventId: z.string().min(1).max(100).optional().meta({ description: 'Or: the id (evt_…) of an event in the event log.' }),
  })
  .refine((b) => (b.event === undefined) !== (b.eventId === undefined), { error: 'give either event (a webhook body) or eventId', path: ['event'] });

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  testFilter: {
    operationId: 'testFilter', tag: 'Filters', summary: 'Does a filter match an event, and if not, which condition failed',
    description:
      'Give `filter` and either `event` (a webhook body) or `eventId` (an event of the event log). Changes nothing. ' +
      'Example: {"filter": {"data.lead.status": {"$to": "won"}}, "eventId": "evt_01M88Z0XMVPJAEM4DXA2J8NQ8D"}.',
    body: filterTestSchema,
    responses: { 200: { description: 'Whether it matches; when not, the first failing condition.', schema: filterTestResultSchema } },
    errors: [404],
  },
} satisfies Record<string, RouteDoc>;

export function filterRoutes(relay: RelayControl) {
  const app = new Hono();

  app.post('/test', describeRoute(DOCS.testFilter), async (c) => {
    const body = await parseJsonBody(c, filterTestSchema);
    let event: unknown = body.event;
    if (body.eventId !== undefined) {
      const stored = await relay.store.events.get(body.eventId);
      if (!stored) throw notFound('event', body.eventId);
      event = JSON.parse(stored.body);
    }
    const parsed = parseFilter(body.filter);
    if (!parsed.ok) throw new Error('filter passed its schema but not parseFilter'); // cannot happen: the schema runs parseFilter
    const matches = compileFilter(parsed.root)(event);
    const failure = matches ? null : explainFilter(parsed.root, event);
    return c.json({ matches, failure, conditions: parsed.conditions, ...(body.eventId !== undefined ? { eventId: body.eventId } : {}) });
  });

  return app;
}
