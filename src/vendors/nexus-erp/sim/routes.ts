// The Nexus ERP HTTP surface (GET /api/v1/leads) as a Hono app over the simulator's state.
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { RateDecision } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest } from '../../sim-common/types.js';
import { answerWithFault } from '../../sim-common/fault-answer.js';
import { BadRequest, listPage, parseListQuery } from './listing.js';
import type { NexusLead } from './types.js';

export const LEADS_PATH = '/api/v1/leads';

/** What the routes need from the simulator. */
export interface NexusBackend {
  readonly apiKey: string;
  now(): number;
  /** Every lead in the documented order (compareLeads). */
  leadsInOrder(): readonly NexusLead[];
  /**
   * Runs once per accepted list request, before the page is cut: the one place a request changes
   * state, standing in for the sales team rescheduling calls while a client pages (volatility).
   */
  beforeList(): void;
  /** Undefined when no limits are configured. */
  takeRate(): RateDecision | undefined;
  takeFault(path: string): SimFault | undefined;
  logRequest(entry: SimRequest): void;
}

export function createNexusApp(backend: NexusBackend): Hono {
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
    if (!sameSecret(bearerToken(c.req.header('authorization')), backend.apiKey)) {
      return c.json({ error: 'Unauthorized' }, 401);
    }
    await next();
  });

  // Limits are per API key, so only requests that identified a key count against them; a refused
  // request is still a request the vendor saw, hence this runs before injected faults.
  app.use('*', async (c, next) => {
    const rate = backend.takeRate();
    if (rate && !rate.allowed) {
      c.header('Retry-After', String(rate.resetSeconds));
      return c.json({ error: 'Too Many Requests' }, 429);
    }
    await next();
  });

  app.use('*', async (c, next) => {
    const fault = backend.takeFault(c.req.path);
    if (!fault) return next();
    return answerWithFault(c, next, fault, (_status, reason) => ({ error: reason }));
  });

  app.get(LEADS_PATH, (c) => {
    const query = parseListQuery(c.req.query());
    backend.beforeList();
    return c.json(listPage(backend.leadsInOrder(), query));
  });

  app.notFound((c) => c.json({ error: 'Not Found' }, 404));

  app.onError((err, c) => {
    if (err instanceof BadRequest) return c.json({ error: err.message }, 400);
    return c.json({ error: 'Internal Server Error' }, 500);
  });

  return app;
}

// RFC 7235: the scheme name is case-insensitive.
function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

// Constant-time so the simulator does not model a timing oracle the real gateway would not have.
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
