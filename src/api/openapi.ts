// The admin API and the webhooks as an OpenAPI 3.1 document, built from the routes themselves: each
// carries its description (src/api/describe.ts) with the zod schemas that validate its requests
// (src/api/routes) and describe its responses and bodies (src/api/schemas).
import { z } from 'zod';
import { TOKEN_SCOPES, secretSchema, webhookUrlSchema } from '../config/index.js';
import { VERSION } from '../version.js';
import { createHookSchema } from './routes/hooks.js';
import { filterTestSchema } from './routes/filters.js';
import { filterFailureSchema, filterTestResultSchema } from './schemas/filters.js';
import { filterSchema, payloadOptionsSchema } from '../filters/index.js';
import { scopesFor } from './scopes.js';
import { routeDocOf, type RouteDoc, type RouterRoute } from './describe.js';
import { WEBHOOK_HEADERS, webhookComponents, webhookOperation } from './openapi-webhooks.js';
import { replayRequestSchema, rotateSecretSchema } from './routes/subscription-actions.js';
import { createSubscriptionSchema, updateSubscriptionSchema } from './routes/subscriptions.js';
import { callerSchema, errorResponseSchema, healthSchema, jsonValueSchema } from './schemas/common.js';
import { deliveryAttemptSchema, deliveryPageSchema, deliverySchema, retryAcceptedSchema } from './schemas/deliveries.js';
import { eventLogEntrySchema, eventLogPageSchema } from './schemas/events.js';
import { SAMPLE_ID_DESCRIPTION, hookSampleSchema, hookSamplesSchema, hookSchema } from './schemas/hooks.js';
import {
  releasedDeletesSchema,
  sourceListSchema,
  replicaListSchema,
  sourceSchema,
  syncAcceptedSchema,
  syncProgressSchema,
  syncResultSchema,
  syncStatsSchema,
} from './schemas/sources.js';
import {
  replayResultSchema,
  rotatedSecretSchema,
  subscriptionListSchema,
  subscriptionSchema,
  subscriptionSecretSchema,
  subscriptionWithSecretSchema,
  testSendSchema,
  updatedSubscriptionSchema,
} from './schemas/subscriptions.js';
import {
  WEBHOOK_TYPES,
  leadActivitySchema,
  normalizedLeadSchema,
  webhookBodySchema,
} from './schemas/webhooks.js';

type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'patch' | 'delete';

/** One operation: what its route says about itself (describe.ts), where Hono serves it. */
interface Operation extends RouteDoc {
  method: Method;
  /** As registered in Hono, e.g. /v1/subscriptions/:id. */
  path: string;
}

// ---------------------------------------------------------------------------------------------
// Components: every named shape, by the name generated clients will use.

/** Request bodies, converted as input (what a client sends: before transforms and defaults). */
const REQUEST_COMPONENTS = {
  CreateSubscriptionRequest: createSubscriptionSchema,
  UpdateSubscriptionRequest: updateSubscriptionSchema,
  RotateSecretRequest: rotateSecretSchema,
  ReplayRequest: replayRequestSchema,
  CreateHookRequest: createHookSchema,
  FilterTestRequest: filterTestSchema,
  Filter: filterSchema,
  PayloadOptions: payloadOptionsSchema,
} as const;

/** Responses and webhook bodies, converted as output (what the relay sends). */
const RESPONSE_COMPONENTS = {
  Error: errorResponseSchema,
  JsonValue: jsonValueSchema,
  NormalizedLead: normalizedLeadSchema,
  LeadActivity: leadActivitySchema,
  ...webhookComponents(),
  WebhookBody: webhookBodySchema,
  Health: healthSchema,
  Caller: callerSchema,
  Source: sourceSchema,
  SourceList: sourceListSchema,
  ReplicaList: replicaListSchema,
  SyncStats: syncStatsSchema,
  SyncProgress: syncProgressSchema,
  SyncAccepted: syncAcceptedSchema,
  SyncResult: syncResultSchema,
  ReleasedDeletes: releasedDeletesSchema,
  Subscription: subscriptionSchema,
  SubscriptionWithSecret: subscriptionWithSecretSchema,
  UpdatedSubscription: updatedSubscriptionSchema,
  SubscriptionList: subscriptionListSchema,
  SubscriptionSecret: subscriptionSecretSchema,
  RotatedSecret: rotatedSecretSchema,
  TestSend: testSendSchema,
  ReplayResult: replayResultSchema,
  Delivery: deliverySchema,
  DeliveryAttempt: deliveryAttemptSchema,
  DeliveryPage: deliveryPageSchema,
  RetryAccepted: retryAcceptedSchema,
  EventLogEntry: eventLogEntrySchema,
  EventLogPage: eventLogPageSchema,
  Hook: hookSchema,
  HookSamples: hookSamplesSchema,
  FilterTestResult: filterTestResultSchema,
  FilterFailure: filterFailureSchema,
} as const;


// ---------------------------------------------------------------------------------------------
// The operations: read from the routes themselves

const METHODS = new Set<string>(['get', 'post', 'patch', 'delete']);

/**
 * Every operation the API serves, from the description each route carries (describe.ts). A route under
 * /v1/ (or any other API route) with none is an error: the document would not say what the API does.
 */
export function operationsOf(routes: readonly RouterRoute[]): Operation[] {
  const ops: Operation[] = [];
  const undocumented: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    const method = r.method.toLowerCase();
    if (!METHODS.has(method)) continue; // middleware (ALL)
    const doc = routeDocOf(r.handler);
    const key = `${method} ${r.path}`;
    if (doc) {
      if (!seen.has(key)) ops.push({ ...doc, method: method as Method, path: r.path });
      seen.add(key);
    } else if (r.path.startsWith('/v1/')) {
      undocumented.push(key);
    }
  }
  // A route's other handlers (the one after its describeRoute) count as documented by it.
  const missing = undocumented.filter((k) => !seen.has(k));
  if (missing.length > 0) throw new Error(`openapi: routes without describeRoute: ${[...new Set(missing)].join(', ')}`);
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Building the document

/** What a refinement checks, for the shared schemas whose rule JSON Schema cannot carry by itself. */
const ANNOTATIONS = new Map<z.ZodType, JsonSchema>([
  [webhookUrlSchema, { format: 'uri', description: 'An absolute http or https URL.' }],
  [
    secretSchema,
    { pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$', description: '"whsec_" followed by the base64 of 24 to 64 random bytes; generated when left out.' },
  ],
]);

const annotate = (zodSchema: unknown, jsonSchema: JsonSchema) => {
  const extra = ANNOTATIONS.get(zodSchema as z.ZodType);
  if (extra) Object.assign(jsonSchema, extra);
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Named schemas to components.schemas; references between them become $refs. */
function components(named: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12', // OpenAPI 3.1's schema dialect
    io,
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      annotate(zodSchema, jsonSchema);
      if (zodSchema === hookSampleSchema) {
        // What the superRefine checks, said in JSON Schema: the id, and the rest a webhook body.
        for (const k of Object.keys(jsonSchema)) delete jsonSchema[k];
        jsonSchema.allOf = [
          { type: 'object', properties: { id: { type: 'string', description: SAMPLE_ID_DESCRIPTION } }, required: ['id'] },
          ref('WebhookBody'),
        ];
      }
      // Responses and webhooks may gain fields in later versions: receivers must not reject them.
      if (io === 'output' && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  if ('__shared' in schemas) throw new Error('openapi: a reused or recursive schema needs a name in the components lists');
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s as JsonSchema;
      return [id, rest];
    }),
  );
}

function nameOf(named: Record<string, z.ZodType>, schema: z.ZodType, what: string): string {
  const entry = Object.entries(named).find(([, s]) => s === schema);
  if (!entry) throw new Error(`openapi: ${what} is not listed in the components`);
  return entry[0];
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: the details name every offending field.',
  401: 'Missing token, or not a configured one.',
  403: 'insufficient_scope: the token is valid but has none of the scopes this route needs.',
  404: 'Not found.',
  409: 'Conflict with the current state (see the error code).',
  413: 'Request body larger than 64 KB.',
  415: 'Request body sent with a content-type other than application/json.',
};

function queryParameters(schema: z.ZodType, operationId: string, docs: Record<string, string> = {}) {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => annotate(zodSchema, jsonSchema),
  }) as JsonSchema;
  const properties = json.properties as Record<string, JsonSchema> | undefined;
  if (json.type !== 'object' || !properties) throw new Error(`openapi: ${operationId}: the query schema must be an object`);
  for (const name of Object.keys(docs)) if (!(name in properties)) throw new Error(`openapi: ${operationId}: no query parameter ${name}`);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => {
    const { description: own, ...rest } = s;
    const description = docs[name] ?? own;
    return { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function operation(op: Operation) {
  const authed = op.path.startsWith('/v1/');
  // /metrics takes a token only with server.metricsAuth: token.
  const optionalAuth = op.path === '/metrics';
  // From the table the auth middleware checks (src/api/scopes.ts), so the two cannot disagree.
  const scopes = authed || optionalAuth ? scopesFor(op.method.toUpperCase(), op.path.replace(/:[A-Za-z0-9_]+/g, 'x')) : null;
  const description = [op.description, scopes ? `Scopes: ${scopes.join(', ')}.` : null].filter(Boolean).join(' ');
  const pathParams = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const parameters = [
    ...pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      ...(op.params?.[name] ? { description: op.params[name] } : {}),
      schema: { type: 'string' },
    })),
    ...(op.query ? queryParameters(op.query, op.operationId, op.queryDocs) : []),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const name = r.schema ? nameOf(RESPONSE_COMPONENTS, r.schema, `${op.operationId} ${status}`) : null;
    const contentType = r.contentType ?? (name ? 'application/json' : null);
    responses[status] = {
      description: r.description,
      ...(contentType ? { content: { [contentType]: name ? { schema: ref(name) } : {} } } : {}),
    };
  }
  const errors = new Set(op.errors ?? []);
  if (op.body || op.query) errors.add(400);
  if (authed || optionalAuth) errors.add(401);
  if (scopes && scopes.length < TOKEN_SCOPES.length) errors.add(403);
  if (op.body) {
    errors.add(413);
    errors.add(415);
  }
  for (const status of [...errors].sort()) responses[status] = errorResponse(ERROR_TEXT[status] ?? 'Error.');

  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(description ? { description } : {}),
    security: authed ? [{ bearerAuth: [] }] : optionalAuth ? [{}, { bearerAuth: [] }] : [],
    ...(scopes ? { 'x-scopes': scopes } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: !op.bodyOptional,
            content: { 'application/json': { schema: ref(nameOf(REQUEST_COMPONENTS, op.body, `${op.operationId} body`)) } },
          },
        }
      : {}),
    responses,
  };
}

/** Hono's /v1/subscriptions/:id as OpenAPI's /v1/subscriptions/{id}. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The document for the routes an API serves (app.routes): each described by the route itself. */
export function buildOpenApiDocument(routes: readonly RouterRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operationsOf(routes)) (paths[openApiPath(op.path)] ??= {})[op.method] = operation(op);
  const requestSchemas = components(REQUEST_COMPONENTS, 'input');
  const responseSchemas = components(RESPONSE_COMPONENTS, 'output');
  for (const id of Object.keys(requestSchemas)) if (id in responseSchemas) throw new Error(`openapi: component name ${id} used twice`);

  return {
    openapi: '3.1.0',
    info: {
      title: 'leadrelay',
      version: VERSION,
      description:
        'Polls sales-lead vendors and sends Standard Webhooks. Every /v1/* route needs `Authorization: Bearer <token>`: ' +
        'server.adminToken, or a server.tokens token with one of the scopes the route lists (x-scopes; else 403). ' +
        'Errors are always `{"error": {"code", "message", "details"}}`. The webhooks the relay sends are described under `webhooks`; ' +
        'responses and webhook bodies may gain fields in later versions.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Health' },
      { name: 'Docs' },
      { name: 'Sources' },
      { name: 'Subscriptions' },
      { name: 'Deliveries' },
      { name: 'Events' },
      { name: 'REST hooks', description: 'Zapier-style REST hooks: a subscription per hook.' },
      { name: 'Filters', description: 'Subscription content filters (docs/filters.md): try one on an event before saving it.' },
    ],
    paths,
    webhooks: Object.fromEntries(WEBHOOK_TYPES.map((t) => [t, webhookOperation(t)])),
    components: {
      schemas: { ...requestSchemas, ...responseSchemas },
      parameters: WEBHOOK_HEADERS,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'server.adminToken (every scope), or a named token from server.tokens with its scopes: admin (everything), ' +
            'read (every GET but the signing secret), hooks (POST /v1/hooks, DELETE of its own hooks, GET /v1/hooks/samples/*), ' +
            'metrics (GET /metrics). Each operation lists the scopes that open it under x-scopes.',
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
