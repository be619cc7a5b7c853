// Routes carry their own OpenAPI description: `describeRoute(doc)` goes first among a route's handlers,
// and src/api/openapi.ts builds the document from the routes Hono holds (as hono-openapi's describeRoute
// does). Method and path come from the route itself; a route under /v1/ without a description fails
// the document's build, so the two cannot drift apart.

import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';

export interface ResponseDoc {
  description: string;
  /** A schema listed in openapi.ts's RESPONSE_COMPONENTS (referenced by name). */
  schema?: z.ZodType;
  /** Default application/json when there is a schema. */
  contentType?: string;
}

/** What a route says about itself in /openapi.json. */
export interface RouteDoc {
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Path parameter descriptions. */
  params?: Record<string, string>;
  query?: z.ZodType;
  /** Query parameter descriptions (their schemas say the type; this says the meaning). */
  queryDocs?: Record<string, string>;
  /** A schema listed in openapi.ts's REQUEST_COMPONENTS. */
  body?: z.ZodType;
  /** The body may be left out (an empty body counts as {}). */
  bodyOptional?: boolean;
  responses: Record<number, ResponseDoc>;
  /** Error statuses besides the automatic ones (401 on /v1/*, 400 with a body or query, 413 and 415 with a body). */
  errors?: number[];
}

const docs = new WeakMap<object, RouteDoc>();

/**
 * A middleware that does nothing but carry the route's description: put it first among the route's
 * handlers (`app.get('/:id', describeRoute({...}), handler)`), so Hono's own types still flow to the
 * handler. Costs one step of the route's chain per request (admin API only).
 */
export function describeRoute(doc: RouteDoc): MiddlewareHandler {
  const carrier: MiddlewareHandler = (_c, next) => next();
  docs.set(carrier, doc);
  return carrier;
}

// Hono wraps a sub-app's handler when the sub-app has its own error handler, keeping the original
// under this key (hono/dist/hono-base.js, COMPOSED_HANDLER).
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';

/** The description a registered handler carries, if any. */
export function routeDocOf(handler: unknown): RouteDoc | undefined {
  if (typeof handler !== 'function') return undefined;
  return docs.get(handler) ?? routeDocOf((handler as unknown as Record<string, unknown>)[COMPOSED_HANDLER]);
}

/** A route as Hono lists it (app.routes). */
export interface RouterRoute {
  method: string;
  path: string;
  handler: unknown;
}
