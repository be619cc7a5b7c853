// The admin API and the webhooks as an OpenAPI 3.1 document, generated from the zod schemas that
// validate the requests (src/api/routes) and describe the responses and bodies (src/api/schemas).
import { z } from 'zod';
import { TOKEN_SCOPES, secretSchema, webhookUrlSchema } from '../config/index.js';
import { VERSION } from '../version.js';
import { createHookSchema } from './routes/hooks.js';
import { filterTestSchema } from './routes/filters.js';
import { filterFailureSchema, filterTestResultSchema } from './schemas/filters.js';
import { filterSchema, payloadOptionsSchema } from '../filters/index.js';
import { scopesFor } from './scopes.js';
import { eventsQuerySchema } from './routes/events.js';
import { syncQuerySchema } from './routes/sources.js';
import { deliveriesQuerySchema, replayRequestSchema, rotateSecretSchema } from './routes/subscription-actions.js';
import { createSubscriptionSchema, listSubscriptionsQuerySchema, updateSubscriptionSchema } from './routes/subscriptions.js';
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
  webhookSchemas,
} from './schemas/webhooks.js';

type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'patch' | 'delete';

interface ResponseSpec {
  description: string;
  /** A schema listed in RESPONSE_COMPONENTS (referenced by name). */
  schema?: z.ZodType;
  /** Default application/json when there is a schema. */
  contentType?: string;
}

export interface Operation {
  method: Method;
  /** As registered in Hono, e.g. /v1/subscriptions/:id. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Path parameter descriptions. */
  params?: Record<string, string>;
  query?: z.ZodType;
  /** Query parameter descriptions (their schemas say the type; this says the meaning). */
  queryDocs?: Record<string, string>;
  /** A schema listed in REQUEST_COMPONENTS. */
  body?: z.ZodType;
  /** The body may be left out (an empty body counts as {}). */
  bodyOptional?: boolean;
  responses: Record<number, ResponseSpec>;
  /** Error statuses besides the automatic ones (401 on /v1/*, 400 with a body or query, 413 and 415 with a body). */
  errors?: number[];
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
  LeadCreatedWebhook: webhookSchemas['lead.created'],
  LeadUpdatedWebhook: webhookSchemas['lead.updated'],
  LeadDeletedWebhook: webhookSchemas['lead.deleted'],
  EventAddedWebhook: webhookSchemas['event.added'],
  EventUpdatedWebhook: webhookSchemas['event.updated'],
  PingWebhook: webhookSchemas.ping,
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

const WEBHOOK_COMPONENT: Record<(typeof WEBHOOK_TYPES)[number], keyof typeof RESPONSE_COMPONENTS> = {
  'lead.created': 'LeadCreatedWebhook',
  'lead.updated': 'LeadUpdatedWebhook',
  'lead.deleted': 'LeadDeletedWebhook',
  'event.added': 'EventAddedWebhook',
  'event.updated': 'EventUpdatedWebhook',
  ping: 'PingWebhook',
};

// ---------------------------------------------------------------------------------------------
// The routes: one entry per route Hono serves (test/openapi.test.ts keeps both lists equal).

const subId = { id: 'The subscription id.' };

export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get', path: '/healthz', operationId: 'getHealth', tag: 'Health', summary: 'Liveness check (no auth)',
    responses: { 200: { description: 'The relay is up.', schema: healthSchema } },
  },
  {
    method: 'get', path: '/metrics', operationId: 'getMetrics', tag: 'Health', summary: 'Prometheus metrics',
    description: 'No auth by default; with server.metricsAuth: token, a bearer token is needed.',
    responses: { 200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' } },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'getOpenApi', tag: 'Docs', summary: 'This document (no auth)',
    responses: { 200: { description: 'The OpenAPI 3.1 document.', contentType: 'application/json' } },
  },
  {
    method: 'get', path: '/docs', operationId: 'getDocs', tag: 'Docs', summary: 'This document, browsable (no auth, works offline)',
    responses: { 200: { description: 'An HTML page (Swagger UI).', contentType: 'text/html' } },
  },
  {
    method: 'get', path: '/v1/whoami', operationId: 'whoami', tag: 'Health', summary: "The calling token's name and scopes",
    responses: { 200: { description: 'Who is calling.', schema: callerSchema } },
  },
  {
    method: 'get', path: '/v1/sources', operationId: 'listSources', tag: 'Sources', summary: 'Every configured source and its last sync',
    responses: { 200: { description: 'The sources, in config order.', schema: sourceListSchema } },
  },
  {
    method: 'get', path: '/v1/replicas', operationId: 'listReplicas', tag: 'Sources', summary: 'The relay processes sharing the database',
    description: 'Live replicas (a heartbeat within storage.leaseTtl), newest heartbeat first, with the sources each polls. A SQLite relay lists itself.',
    responses: { 200: { description: 'The live replicas.', schema: replicaListSchema } },
  },
  {
    method: 'post', path: '/v1/sources/:id/sync', operationId: 'syncSource', tag: 'Sources', summary: 'Poll a source now',
    description:
      'A run already in progress is followed by one more. With wait=true the answer comes when the run finished. ' +
      'Any replica takes it: on one that does not poll the source, the poll is asked of the one that does (recorded in the ' +
      'database, announced by NOTIFY), and wait=true answers once a run started after the request has finished (202 after 5 minutes).',
    params: { id: 'The source id.' }, query: syncQuerySchema,
    queryDocs: { wait: 'true: answer when the run finished, with its result.' },
    responses: {
      200: { description: 'wait=true: the run finished.', schema: syncResultSchema },
      202: { description: 'The run was started (or queued).', schema: syncAcceptedSchema },
    },
    errors: [404, 409],
  },
  {
    method: 'post', path: '/v1/sources/:id/release-deletes', operationId: 'releaseDeletes', tag: 'Sources',
    summary: 'Send the deletes the mass-delete guard held',
    params: { id: 'The source id.' },
    responses: { 200: { description: 'The held deletes were applied.', schema: releasedDeletesSchema } },
    errors: [404, 409],
  },
  {
    method: 'post', path: '/v1/subscriptions', operationId: 'createSubscription', tag: 'Subscriptions', summary: 'Subscribe a URL',
    description: 'At most delivery.maxSubscriptions subscriptions (config, API and REST hooks together); past that, 409 subscription_limit_reached.',
    body: createSubscriptionSchema,
    responses: { 201: { description: 'Created; the only answer that carries the secret besides GET …/secret.', schema: subscriptionWithSecretSchema } },
    errors: [409],
  },
  {
    method: 'get', path: '/v1/subscriptions', operationId: 'listSubscriptions', tag: 'Subscriptions', summary: 'The subscriptions (without secrets), oldest first',
    query: listSubscriptionsQuerySchema,
    queryDocs: { limit: '1 to 200, default 50.', cursor: "The previous page's nextCursor (opaque)." },
    responses: { 200: { description: 'One page of subscriptions.', schema: subscriptionListSchema } },
  },
  {
    method: 'get', path: '/v1/subscriptions/:id', operationId: 'getSubscription', tag: 'Subscriptions', summary: 'One subscription',
    params: subId,
    responses: { 200: { description: 'The subscription.', schema: subscriptionSchema } },
    errors: [404],
  },
  {
    method: 'patch', path: '/v1/subscriptions/:id', operationId: 'updateSubscription', tag: 'Subscriptions', summary: 'Change a subscription',
    description: 'A config-file subscription can only change enabled (anything else is 409 managed_by_config).',
    params: subId, body: updateSubscriptionSchema,
    responses: { 200: { description: 'The subscription after the change.', schema: updatedSubscriptionSchema } },
    errors: [404, 409],
  },
  {
    method: 'delete', path: '/v1/subscriptions/:id', operationId: 'deleteSubscription', tag: 'Subscriptions', summary: 'Remove a subscription',
    params: subId,
    responses: { 204: { description: 'Removed; its queued deliveries are dropped.' } },
    errors: [404, 409],
  },
  {
    method: 'get', path: '/v1/subscriptions/:id/deliveries', operationId: 'listDeliveries', tag: 'Deliveries',
    summary: "A subscription's deliveries, newest first", params: subId, query: deliveriesQuerySchema,
    queryDocs: { status: 'Only deliveries in this state.', limit: '1 to 200, default 50.', cursor: "The previous page's nextCursor." },
    responses: { 200: { description: 'One page of deliveries, each with its attempts.', schema: deliveryPageSchema } },
    errors: [404],
  },
  {
    method: 'get', path: '/v1/subscriptions/:id/secret', operationId: 'getSubscriptionSecret', tag: 'Subscriptions',
    summary: 'Read the signing secret', params: subId,
    responses: { 200: { description: 'The secret (and the previous one during a rotation).', schema: subscriptionSecretSchema } },
    errors: [404],
  },
  {
    method: 'post', path: '/v1/subscriptions/:id/rotate-secret', operationId: 'rotateSubscriptionSecret', tag: 'Subscriptions',
    summary: 'New signing secret; the old one keeps signing for the grace period', params: subId,
    description:
      'Earlier secrets still in their grace period keep signing too, up to 3 at once; a rotation that would need a 4th is 409 rotation_limit_reached. ' +
      'A config-file subscription is 409 managed_by_config. A secret equal to the current one is 400.',
    body: rotateSecretSchema, bodyOptional: true,
    responses: { 200: { description: 'The new secret.', schema: rotatedSecretSchema } },
    errors: [404, 409],
  },
  {
    method: 'post', path: '/v1/subscriptions/:id/test', operationId: 'testSubscription', tag: 'Subscriptions',
    summary: 'Send a signed ping to this subscription', params: subId,
    responses: { 202: { description: 'Queued.', schema: testSendSchema } },
    errors: [404, 409],
  },
  {
    method: 'post', path: '/v1/subscriptions/:id/replay', operationId: 'replaySubscription', tag: 'Subscriptions',
    summary: 'Send every matching event of a time range again (same webhook-ids)', params: subId, body: replayRequestSchema,
    responses: { 202: { description: 'Queued.', schema: replayResultSchema } },
    errors: [404],
  },
  {
    method: 'get', path: '/v1/deliveries/:id', operationId: 'getDelivery', tag: 'Deliveries', summary: 'One delivery with its attempts',
    params: { id: 'The delivery id.' },
    responses: { 200: { description: 'The delivery.', schema: deliverySchema } },
    errors: [404],
  },
  {
    method: 'post', path: '/v1/deliveries/:id/retry', operationId: 'retryDelivery', tag: 'Deliveries', summary: 'One more attempt now',
    params: { id: 'The delivery id.' },
    responses: { 202: { description: 'Queued.', schema: retryAcceptedSchema } },
    errors: [404, 409],
  },
  {
    method: 'get', path: '/v1/events', operationId: 'listEvents', tag: 'Events', summary: 'The event log, newest first',
    query: eventsQuerySchema,
    queryDocs: {
      type: `One or more of ${WEBHOOK_TYPES.join(', ')}, comma separated.`,
      source: 'A source id.',
      lead: 'A lead id: with source, in that source; without it, in every source.',
      since: "On the event's createdAt, inclusive: an ISO 8601 date-time with a time zone (2026-05-14T15:30:00Z) or a date (2026-05-14, midnight UTC).",
      until: 'As since, exclusive; must be later than since.',
      limit: '1 to 200, default 50.',
      cursor: "The previous page's nextCursor (opaque).",
    },
    responses: { 200: { description: 'One page of events.', schema: eventLogPageSchema } },
  },
  {
    method: 'post', path: '/v1/hooks', operationId: 'createHook', tag: 'REST hooks', summary: 'Subscribe a REST hook (Zapier)',
    body: createHookSchema,
    responses: { 201: { description: 'Created.', schema: hookSchema } },
    errors: [409],
  },
  {
    method: 'delete', path: '/v1/hooks/:id', operationId: 'deleteHook', tag: 'REST hooks', summary: 'Unsubscribe a REST hook',
    params: { id: 'The hook id.' },
    responses: { 204: { description: 'Removed.' } },
    errors: [404],
  },
  {
    method: 'get', path: '/v1/hooks/samples/:type', operationId: 'getHookSamples', tag: 'REST hooks',
    summary: "Sample payloads for a trigger's field mapping", params: { type: 'An event type or pattern (lead.created, lead.*, *).' },
    responses: { 200: { description: 'Sample webhook bodies.', schema: hookSamplesSchema } },
    errors: [404],
  },
  {
    method: 'post', path: '/v1/filters/test', operationId: 'testFilter', tag: 'Filters',
    summary: 'Does a filter match an event, and if not, which condition failed',
    description:
      'Give `filter` and either `event` (a webhook body) or `eventId` (an event of the event log). Changes nothing. ' +
      'Example: {"filter": {"data.lead.status": {"$to": "won"}}, "eventId": "evt_01M88Z0XMVPJAEM4DXA2J8NQ8D"}.',
    body: filterTestSchema,
    responses: { 200: { description: 'Whether it matches; when not, the first failing condition.', schema: filterTestResultSchema } },
    errors: [404],
  },
];

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

const WEBHOOK_HEADERS = {
  WebhookId: {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: "The event's id. The same on every retry and replay of the event to this subscription: de-duplicate on it.",
    schema: { type: 'string', examples: ['evt_01M88Z0XMVPJAEM4DXA2J8NQ8D'] },
  },
  WebhookTimestamp: {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'Unix time in seconds of this attempt.',
    schema: { type: 'string', pattern: '^[0-9]+$', examples: ['1778772602'] },
  },
  WebhookSignature: {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"> keyed with the base64-decoded part of the ' +
      'subscription secret after whsec_ (Standard Webhooks). During a secret rotation, two signatures separated by a space.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$' },
  },
  UserAgent: {
    name: 'user-agent',
    in: 'header',
    required: true,
    description: 'leadrelay/<version>',
    schema: { type: 'string', examples: [`leadrelay/${VERSION}`] },
  },
} as const;

function webhook(type: (typeof WEBHOOK_TYPES)[number]) {
  const name = WEBHOOK_COMPONENT[type];
  const description = (webhookSchemas[type].meta() as { description?: string } | undefined)?.description;
  return {
    post: {
      operationId: `webhook_${type.replace('.', '_')}`,
      summary: description ?? type,
      parameters: Object.keys(WEBHOOK_HEADERS).map((k) => ({ $ref: `#/components/parameters/${k}` })),
      requestBody: { required: true, content: { 'application/json': { schema: ref(name) } } },
      responses: {
        '2XX': { description: 'Delivered.' },
        '410': { description: 'Gone: the subscription is disabled (a REST hook is removed).' },
        default: { description: 'Any other status, a redirect, a timeout or a refused connection: a failed attempt, retried on delivery.retrySchedule.' },
      },
    },
  };
}

/** Hono's /v1/subscriptions/:id as OpenAPI's /v1/subscriptions/{id}. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[openApiPath(op.path)] ??= {})[op.method] = operation(op);
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
    webhooks: Object.fromEntries(WEBHOOK_TYPES.map((t) => [t, webhook(t)])),
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

let cached: string | undefined;

/** The document as served: built once, on first request. */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(buildOpenApiDocument()));
}
