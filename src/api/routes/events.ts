// GET /v1/events: the event log (every detected change and test ping), newest first, by seq cursor.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import type { StoredEvent } from '../../store/index.js';
import { sourceIdSchema } from '../../config/index.js';
import { WEBHOOK_TYPES } from '../../model.js';
import { pageLimitSchema } from '../schemas/common.js';
import { parseQuery } from '../validate.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { eventLogPageSchema } from '../schemas/events.js';

/** What `type` may name: the detected changes plus test sends (src/model.ts). */
export const EVENT_LOG_TYPES = WEBHOOK_TYPES;

const TYPES_HINT = `must be one or more of ${EVENT_LOG_TYPES.join(', ')}, comma separated`;

const typesSchema = z.string().transform((s, ctx) => {
  const parts = s.split(',').map((p) => p.trim());
  if (parts.some((p) => !(EVENT_LOG_TYPES as readonly string[]).includes(p))) {
    ctx.addIssue({ code: 'custom', message: TYPES_HINT });
    return z.NEVER;
  }
  return [...new Set(parts)];
});

// A date (midnight UTC) or a date-time with a time zone: without one, the instant would depend on
// the server's zone. Fractions finer than a millisecond are cut off (created_at has ms precision).
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const ISO_HINT = 'must be an ISO 8601 date-time with a time zone (e.g. 2026-05-14T15:30:00Z) or a date (2026-05-14)';

/** Normalized to toISOString() form, the form created_at is stored in, so text comparison is time order. */
const instantSchema = z.string().transform((s, ctx) => {
  const m = ISO_RE.exec(s);
  const ms = Date.parse(s);
  const day = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // V8 reads 2026-02-30 as March 2; the calendar date must exist as written.
  if (!m || !day || Number.isNaN(ms) || day.getUTCMonth() !== Number(m[2]) - 1 || day.getUTCDate() !== Number(m[3])) {
    ctx.addIssue({ code: 'custom', message: ISO_HINT });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

// The cursor is the last seq of the previous page, wrapped so that clients treat it as opaque.
const encodeCursor = (seq: number) => Buffer.from(`e:${seq}`).toString('base64url');
const cursorSchema = z.string().transform((s, ctx) => {
  const m = /^e:([1-9]\d{0,14})$/.exec(Buffer.from(s, 'base64url').toString('latin1'));
  const seq = m ? Number(m[1]) : NaN;
  if (!m || encodeCursor(seq) !== s) {
    ctx.addIssue({ code: 'custom', message: "is not a nextCursor from this route's previous page" });
    return z.NEVER;
  }
  return seq;
});

export const eventsQuerySchema = z
  .strictObject({
    type: typesSchema.optional(),
    source: sourceIdSchema.optional(),
    lead: z.string().min(1).max(512).optional(),
    since: instantSchema.optional(),
    until: instantSchema.optional(),
    limit: pageLimitSchema.optional(),
    cursor: cursorSchema.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.since !== undefined && q.until !== undefined && q.until <= q.since) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be later than since' });
    }
  });

function present(e: StoredEvent) {
  return {
    id: e.id,
    type: e.type,
    // Test pings belong to no source or lead; they are stored with ''.
    source: e.sourceId === '' ? null : e.sourceId,
    leadId: e.leadId === '' ? null : e.leadId,
    createdAt: e.createdAt,
    payload: JSON.parse(e.body) as unknown,
  };
}

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  listEvents: {
    operationId: 'listEvents', tag: 'Events', summary: 'The event log, newest first',
    query: eventsQuerySchema,
    queryDocs: {
      type: `One or more of ${EVENT_LOG_TYPES.join(', ')}, comma separated.`,
      source: 'A source id.',
      lead: 'A lead id: with source, in that source; without it, in every source.',
      since: "On the event's createdAt, inclusive: an ISO 8601 date-time with a time zone (2026-05-14T15:30:00Z) or a date (2026-05-14, midnight UTC).",
      until: 'As since, exclusive; must be later than since.',
      limit: '1 to 200, default 50.',
      cursor: "The previous page's nextCursor (opaque).",
    },
    responses: { 200: { description: 'One page of events.', schema: eventLogPageSchema } },
  },
} satisfies Record<string, RouteDoc>;

export function eventRoutes(relay: RelayControl) {
  const app = new Hono();

  app.get('/', describeRoute(DOCS.listEvents), async (c) => {
    const q = parseQuery(c, eventsQuerySchema);
    const limit = q.limit ?? 50;
    const rows = await relay.store.events.list({
      types: q.type,
      sourceId: q.source,
      leadId: q.lead,
      since: q.since,
      until: q.until,
      beforeSeq: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return c.json({
      data: page.map(present),
      nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.seq) : null,
    });
  });

  return app;
}
