// The Apten HTTP surface (GET /leads, GET /leads/:leadId/events) as a Hono app over the simulator's state.
import { timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import { BadRequest, decodeNextToken, keysetPage, keysetPageSorted, parseLimit, requireDateTime, type Keyed } from './paging.js';
import type { AptenEvent, AptenFault, AptenLead, AptenRequestLogEntry } from './types.js';
import { answerWithFault } from '../../sim-common/fault-answer.js';

/** What the routes need from the simulator; kept narrow so the routes never mutate state. */
export interface AptenBackend {
  readonly apiKey: string;
  now(): number;
  /** Every lead ordered by (field, id) as keysetPage orders them (sortKeyed); callers must not mutate it. */
  leadsBy(field: 'updatedAt' | 'createdAt'): readonly Keyed<AptenLead>[];
  eventsOf(leadId: string): readonly AptenEvent[] | undefined;
  takeFault(endpoint: 'leads' | 'events'): AptenFault | undefined;
  logRequest(entry: AptenRequestLogEntry): void;
}

export function createAptenApp(backend: AptenBackend): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    backend.logRequest({
      method: c.req.method,
      path: c.req.path,
      query: { ...c.req.query() },
      status: c.res.status,
      at: backend.now(),
    });
  });

  app.use('*', async (c, next) => {
    if (!sameSecret(c.req.header('x-api-key'), backend.apiKey)) return c.json({ message: 'Unauthorized' }, 401);
    await next();
  });

  app.get('/leads', faultGate(backend, 'leads'), (c) => {
    const q = c.req.query();
    if (q.updatedSince === undefined && q.createdSince === undefined) {
      throw new BadRequest('updatedSince or createdSince is required');
    }
    const updatedMs = q.updatedSince === undefined ? undefined : requireDateTime('updatedSince', q.updatedSince);
    const createdMs = q.createdSince === undefined ? undefined : requireDateTime('createdSince', q.createdSince);
    const limit = parseLimit(q.limit);
    const after = q.nextToken === undefined ? undefined : decodeNextToken(q.nextToken);
    const field = updatedMs !== undefined ? 'updatedAt' : 'createdAt';

    // Filtered by both timestamps, ordered by the first: the ordering field's filter is where the
    // page starts in the index; the other (both given, rare) is checked lead by lead.
    const fromMs = (field === 'updatedAt' ? updatedMs : createdMs) as number;
    const keep =
      field === 'updatedAt' && createdMs !== undefined ? (l: AptenLead) => Date.parse(l.createdAt) >= createdMs : () => true;
    const page = keysetPageSorted(backend.leadsBy(field), (l) => l[field], fromMs, keep, after, limit);
    return c.json({ leads: page.items, nextToken: page.nextToken });
  });

  app.get('/leads/:leadId/events', faultGate(backend, 'events'), (c) => {
    const q = c.req.query();
    if (q.since === undefined) throw new BadRequest('Missing required field: since');
    const sinceMs = requireDateTime('since', q.since);
    const limit = parseLimit(q.limit);
    const after = q.nextToken === undefined ? undefined : decodeNextToken(q.nextToken);
    const types = q.types === undefined ? [] : q.types.split(',').map((t) => t.trim()).filter(Boolean);

    const events = backend.eventsOf(c.req.param('leadId'));
    if (!events) return c.json({ message: 'Lead not found' }, 404);

    const page = keysetPage(
      events.filter((e) => Date.parse(e.updatedAt) >= sinceMs),
      (e) => e.updatedAt,
      after,
      limit,
    );
    // The docs warn that with `types` a page may hold fewer than `limit` items while more exist:
    // the type filter runs after the page is cut (DynamoDB FilterExpression style), so we do the same.
    const items = types.length === 0 ? page.items : page.items.filter((e) => types.includes(e.type));
    return c.json({ events: items, nextToken: page.nextToken });
  });

  app.notFound((c) => c.json({ message: 'Not Found' }, 404));

  app.onError((err, c) => {
    if (err instanceof BadRequest) return c.json({ message: err.message }, 400);
    return c.json({ message: 'Internal Server Error' }, 500);
  });

  return app;
}

function faultGate(backend: AptenBackend, endpoint: 'leads' | 'events'): MiddlewareHandler {
  return async (c, next) => {
    const fault = backend.takeFault(endpoint);
    if (!fault) return next();
    return answerWithFault(c, next, fault, (_status, reason) => ({ message: reason }));
  };
}

// Constant-time so the simulator does not model a timing oracle the real gateway would not have.
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
