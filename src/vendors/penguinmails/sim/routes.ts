// The PenguinMails HTTP surface (list, create, detail, update under /api/v1/tenant/leads) as a Hono app.
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { RateDecision } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest } from '../../sim-common/types.js';
import { answerWithFault } from '../../sim-common/fault-answer.js';
import type { PenguinMailsLead, PenguinMailsLeadPatch, PenguinMailsLeadRow } from './types.js';
import {
  BadRequest,
  parseCreateBody,
  parseLimit,
  parseOffset,
  parsePatchBody,
  parseSearch,
  parseStatus,
  type CreateLeadBody,
} from './validate.js';

export const LEADS_PATH = '/api/v1/tenant/leads';

/** What the routes need from the simulator; writes go through create/update so the change log sees them. */
export interface PenguinMailsBackend {
  readonly apiKey: string;
  readonly workspace: string;
  now(): number;
  /** Every lead's row in list order (created_at, then id). */
  rows(): readonly PenguinMailsLeadRow[];
  detail(id: string): PenguinMailsLead | undefined;
  create(body: Omit<CreateLeadBody, 'workspace_slug'>): PenguinMailsLeadRow;
  update(id: string, patch: PenguinMailsLeadPatch): PenguinMailsLead | undefined;
  /** Undefined when the simulator runs without rate limits. */
  takeRate(): RateDecision | undefined;
  takeFault(path: string): SimFault | undefined;
  logRequest(entry: SimRequest): void;
}

export function createPenguinMailsApp(backend: PenguinMailsBackend): Hono {
  const app = new Hono();

  // Outermost, so 401s, 429s and injected faults are logged with the status actually sent.
  app.use('*', async (c, next) => {
    await next();
    backend.logRequest({ method: c.req.method, path: c.req.path, query: { ...c.req.query() }, status: c.res.status, at: backend.now() });
  });

  // The docs say nothing about limits or their headers: 60/min and the X-RateLimit-* trio are this
  // simulator's assumption (a common gateway default). The limiter runs before auth, as an edge
  // gateway would, so every response (401 included) carries the headers and counts against the window.
  app.use('*', async (c, next) => {
    const d = backend.takeRate();
    if (!d) return next();
    if (!d.allowed) {
      const res = fail(c, 429, 'Too Many Requests');
      res.headers.set('retry-after', String(d.resetSeconds));
      setRateHeaders(res.headers, d);
      return res;
    }
    await next();
    setRateHeaders(c.res.headers, d);
  });

  // The docs do not name the auth scheme; Bearer is what the relay assumes (../README.md "Auth"). The scheme word is case-insensitive (RFC 9110).
  app.use('*', async (c, next) => {
    const m = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!m || !sameSecret(m[1], backend.apiKey)) return fail(c, 401, 'Unauthorized');
    await next();
  });

  // After auth, like Apten's: a fault never hides a credentials problem, nor is used up by one.
  app.use('*', async (c, next) => {
    const fault = backend.takeFault(c.req.path);
    if (!fault) return next();
    return answerWithFault(c, next, fault, (_status, reason) => ({ success: false, error: reason }));
  });

  app.get(LEADS_PATH, (c) => {
    const q = c.req.query();
    if (q.workspace === undefined || q.workspace === '') throw new BadRequest('workspace is required');
    const status = parseStatus(q.status);
    const search = parseSearch(q.search);
    const limit = parseLimit(q.limit);
    const offset = parseOffset(q.offset);
    if (q.workspace !== backend.workspace) return fail(c, 404, 'workspace not found');

    const matching = backend.rows().filter((r) => (status === undefined || r.status === status) && (search === undefined || matches(r, search)));
    const data = matching.slice(offset, offset + limit);
    return c.json({
      success: true,
      data,
      pagination: { total: matching.length, limit, offset, has_more: offset + data.length < matching.length },
    });
  });

  app.post(LEADS_PATH, async (c) => {
    const { workspace_slug, ...fields } = parseCreateBody(await jsonBody(c));
    if (workspace_slug !== backend.workspace) return fail(c, 404, 'workspace not found');
    return c.json({ success: true, data: backend.create(fields) }, 201);
  });

  // The docs' example shows only id, email, attributes and activity; a "full lead profile" surely
  // includes the row's other fields too, so the simulator returns them all (row fields first).
  app.get(`${LEADS_PATH}/:id`, (c) => {
    const lead = backend.detail(c.req.param('id'));
    if (!lead) return fail(c, 404, 'Lead not found');
    return c.json({ success: true, data: lead });
  });

  // The docs show no response for PATCH; the updated full profile is the usual answer.
  app.patch(`${LEADS_PATH}/:id`, async (c) => {
    const patch = parsePatchBody(await jsonBody(c));
    const lead = backend.update(c.req.param('id'), patch);
    if (!lead) return fail(c, 404, 'Lead not found');
    return c.json({ success: true, data: lead });
  });

  app.notFound((c) => fail(c, 404, 'Not Found'));

  app.onError((err, c) => {
    if (err instanceof BadRequest) return fail(c, 400, err.message);
    return fail(c, 500, 'Internal Server Error');
  });

  return app;
}

// Every error uses the docs' wrapper: {"success": false, "error": "..."}.
function fail(c: Context, status: 400 | 401 | 404 | 429 | 500, error: string): Response {
  return c.json({ success: false, error }, status);
}

// "Search by email or name": case-insensitive substring of the email, either name, or "first last".
function matches(r: PenguinMailsLeadRow, needle: string): boolean {
  const full = [r.first_name, r.last_name].filter((s) => s !== null).join(' ');
  return [r.email, r.first_name ?? '', r.last_name ?? '', full].some((s) => s.toLowerCase().includes(needle));
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new BadRequest('request body must be valid JSON');
  }
}

function setRateHeaders(headers: Headers, d: RateDecision): void {
  headers.set('x-ratelimit-limit', String(d.limit));
  headers.set('x-ratelimit-remaining', String(d.remaining));
  // Seconds until the window resets (not an epoch time): the simulator's assumption, as above.
  headers.set('x-ratelimit-reset', String(d.resetSeconds));
}

// Constant-time so the simulator does not model a timing oracle the real gateway would not have.
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
