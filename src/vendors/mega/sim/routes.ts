// The MEGA HTTP surface (GET /api/agents/crm/leads) as a Hono app: rate limits, auth, faults, listing.
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { RateDecision } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest } from '../../sim-common/types.js';
import { defaultFaultBody, errorBody, MegaApiError } from './errors.js';
import { answerWithFault } from '../../sim-common/fault-answer.js';
import { keysetPage } from './paging.js';
import { isUuid, matchesQuery, parseListQuery } from './query.js';
import type { MegaLead, MegaListResponse, MegaWireLead } from './types.js';

export const LEADS_PATH = '/api/agents/crm/leads';

export const MEGA_KEY_FORMAT = /^mega_[0-9a-f]{64}$/;

/** What the routes need from the simulator; kept narrow so the routes never mutate lead state. */
export interface MegaBackend {
  readonly apiKey: string;
  readonly customerId: string;
  now(): number;
  allLeads(): readonly MegaLead[];
  /** Undefined when rate limiting is disabled. */
  takeRate(): RateDecision | undefined;
  /** A "Name;w=seconds" list of the configured windows, for RateLimit-Policy. */
  ratePolicy(): string | undefined;
  takeFault(path: string): SimFault | undefined;
  logRequest(entry: SimRequest): void;
}

export function createMegaApp(backend: MegaBackend): Hono {
  const app = new Hono();

  // Outermost, so every answer is logged, 429s and auth failures included.
  app.use('*', async (c, next) => {
    await next();
    backend.logRequest({ method: c.req.method, path: c.req.path, query: { ...c.req.query() }, status: c.res.status, at: backend.now() });
  });

  // Every request counts and every response carries the headers, whatever its status.
  app.use('*', async (c, next) => {
    const decision = backend.takeRate();
    if (decision && !decision.allowed) {
      c.header('Retry-After', String(decision.resetSeconds));
      rateHeaders(c, decision, backend.ratePolicy());
      return c.json(
        errorBody('rate_limit_error', 'rate_limit_exceeded', `Rate limit of ${decision.limit} requests exceeded; retry in ${decision.resetSeconds}s`),
        429,
      );
    }
    await next();
    if (decision) rateHeaders(c, decision, backend.ratePolicy());
  });

  app.use('*', async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth === undefined) {
      throw new MegaApiError(401, 'authentication_error', 'missing_api_key', 'Missing Authorization header; expected "Bearer mega_<key>"');
    }
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    if (!m || !MEGA_KEY_FORMAT.test(m[1] ?? '')) {
      throw new MegaApiError(401, 'authentication_error', 'malformed_api_key', 'Authorization must be "Bearer mega_" followed by 64 hex characters');
    }
    if (!sameSecret(m[1] ?? '', backend.apiKey)) {
      throw new MegaApiError(401, 'authentication_error', 'invalid_api_key', 'Invalid API key');
    }
    // The key is locked to one customer; the header says which customer the call acts on.
    const customer = c.req.header('x-customer-id');
    if (customer === undefined || customer.trim() === '') {
      throw new MegaApiError(400, 'invalid_request_error', 'missing_customer_id', 'Missing x-customer-id header');
    }
    if (!isUuid(customer.trim())) {
      throw new MegaApiError(400, 'invalid_request_error', 'invalid_customer_id', 'x-customer-id must be a UUID');
    }
    if (customer.trim().toLowerCase() !== backend.customerId.toLowerCase()) {
      throw new MegaApiError(403, 'permission_error', 'customer_mismatch', 'This API key is not authorized for the requested customer');
    }
    await next();
  });

  app.get(LEADS_PATH, faultGate(backend), (c) => {
    const q = parseListQuery(c.req.query());
    const matching = backend.allLeads().filter((l) => matchesQuery(l, q));
    const page = keysetPage(matching, q.sort, q.cursor, q.offset, q.limit);
    const body: MegaListResponse = {
      leads: page.items.map((l) => toWire(l, q.includeCustomFields)),
      total: matching.length,
      limit: q.limit,
      // Offset is ignored when a cursor is given, so the page reports the offset it actually used.
      offset: q.cursor ? 0 : q.offset,
      next_cursor: page.nextCursor,
    };
    return c.json(body);
  });

  app.notFound((c) => c.json(errorBody('not_found_error', 'route_not_found', `No route for ${c.req.method} ${c.req.path}`), 404));

  app.onError((err, c) => {
    if (err instanceof MegaApiError) return c.json(errorBody(err.type, err.code, err.message), err.status);
    return c.json(errorBody('api_error', 'internal_error', 'Internal server error'), 500);
  });

  return app;
}

function toWire(lead: MegaLead, includeCustomFields: boolean): MegaWireLead {
  if (includeCustomFields) return lead;
  const { custom_fields: _omitted, ...rest } = lead;
  return rest;
}

// IETF draft RateLimit-* fields, Reset in seconds, for the window with the least room left.
function rateHeaders(c: Context, d: RateDecision, policy: string | undefined): void {
  c.header('RateLimit-Limit', String(d.limit));
  c.header('RateLimit-Remaining', String(d.remaining));
  c.header('RateLimit-Reset', String(d.resetSeconds));
  if (policy) c.header('RateLimit-Policy', policy);
}

function faultGate(backend: MegaBackend): MiddlewareHandler {
  return async (c, next) => {
    const fault = backend.takeFault(c.req.path);
    if (!fault) return next();
    return answerWithFault(c, next, fault, (status) => defaultFaultBody(status));
  };
}

// Constant-time so the simulator does not model a timing oracle the real gateway would not have.
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
