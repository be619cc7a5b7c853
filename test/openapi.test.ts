// "GET /openapi.json, GET /docs: the API described, and browsable": the document is valid OpenAPI 3.1,
// describes exactly the routes the relay serves, and what it says matches what really goes over the wire.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Hono } from 'hono';
import { buildOpenApiDocument, operationsOf, openApiPath } from '../src/api/openapi.js';
import { describeRoute, routeDocOf } from '../src/api/describe.js';
import { scopesFor } from '../src/api/scopes.js';
import { webhookSchemas } from '../src/api/schemas/webhooks.js';
import * as responses from '../src/api/schemas/index.js';
import { decideMissing } from '../src/sync/absence.js';
import type { NormalizedLead } from '../src/model.js';
import { VERSION } from '../src/version.js';
import { Harness } from './helpers/harness.js';
import { dashboardRoutes } from '../src/dashboard/index.js';
import { createLogger } from '../src/log.js';
import { systemClock } from '../src/util/time.js';
import type { RelayControl } from '../src/api/control.js';

/** The routes the dashboard adds (building its app reads only the clock and the install key). */
function dashboardRouteList() {
  const control = { clock: systemClock, fingerprintKey: Buffer.alloc(32) } as unknown as RelayControl;
  return dashboardRoutes(control, { tokens: [], sessionTtlMs: 60_000, logger: createLogger({ level: 'silent' }) }).routes.filter((r) => r.method !== 'ALL');
}
import { waitFor } from './helpers/wait.js';

let h: Harness;
let doc: any;

beforeAll(async () => {
  h = await new Harness().start();
  const res = await request(`${h.relay.url}/openapi.json`);
  expect(res.statusCode).toBe(200);
  doc = await res.body.json();
});
afterAll(async () => {
  await h?.stop();
});

/** A raw GET without auth. */
async function get(path: string) {
  const res = await request(`${h.relay.url}${path}`);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), text: bytes.toString('utf8'), bytes, headers: res.headers };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();

/** A JSON Schema validator for a schema of the served document (its $refs resolve into doc.components). */
function documented(schema: { $ref: string } | Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) validators.set(key, (v = ajv.compile({ ...schema, components: doc.components })));
  return v;
}

/** Valid against the documented JSON Schema and (strictly, extra keys fail) the zod schema behind it. */
function expectConforms(value: unknown, component: string, zod: z.ZodType) {
  const v = documented({ $ref: `#/components/schemas/${component}` });
  expect(v(value), `${component}: ${JSON.stringify(v.errors)}`).toBe(true);
  const parsed = zod.safeParse(value);
  expect(parsed.success, `${component}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
}

const webhookSchema = (type: string) => doc.webhooks[type].post.requestBody.content['application/json'].schema;

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without auth', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(res.text));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\.1/);
    expect(doc.info).toMatchObject({ title: 'leadrelay', version: VERSION });
  });

  it('holds JSON Schemas (2020-12, the dialect of OpenAPI 3.1) that compile strictly', () => {
    const strict = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(strict);
    strict.addKeyword({ keyword: 'components' }); // the wrapper below, holding what the $refs point at
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => strict.compile({ $ref: `#/components/schemas/${name}`, components: doc.components }), name).not.toThrow();
    }
  });

  it('puts every /v1 route behind the bearer scheme and documents its 401; the others need none', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (path.startsWith('/v1/')) {
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
          expect(op.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
        } else if (path === '/metrics') {
          // Optional: a token only with server.metricsAuth: token.
          expect(op.security).toEqual([{}, { bearerAuth: [] }]);
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        } else {
          expect(op.security, `${method} ${path}`).toEqual([]);
        }
      }
    }
  });

  it("states each authenticated route's scopes, from the table the auth middleware checks, and documents its 403", () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!path.startsWith('/v1/') && path !== '/metrics') continue;
        const scopes = scopesFor(method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x'));
        expect(op['x-scopes'], `${method} ${path}`).toEqual(scopes);
        expect(op.description, `${method} ${path}`).toContain(`Scopes: ${scopes.join(', ')}.`);
        if (scopes.length < 4) expect(op.responses['403'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(doc.paths['/v1/subscriptions/{id}/secret'].get['x-scopes']).toEqual(['admin']);
    expect(doc.paths['/v1/subscriptions'].get['x-scopes']).toEqual(['admin', 'read']);
    expect(doc.paths['/v1/hooks'].post['x-scopes']).toEqual(['admin', 'hooks']);
    expect(doc.components.securitySchemes.bearerAuth.description).toMatch(/server\.tokens/);
  });
});

describe('the document and the routes cannot drift apart', () => {
  it('describes every route Hono serves, and nothing else', () => {
    // The dashboard's HTML pages (docs/dashboard.md) are for people, not part of the API document.
    const dashboard = new Set(dashboardRouteList().map((r) => `${r.method} ${r.path}`));
    const served = h.relay.api.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/docs/:file') // middleware; Swagger UI's static files
      .filter((r) => routeDocOf(r.handler) === undefined) // a route's description rides along as its first handler
      .filter((r) => !dashboard.has(`${r.method} ${r.path}`))
      .map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(served.every((r) => !r.includes(' /login'))).toBe(true);
    const described = Object.entries<any>(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...new Set(served)].sort()).toEqual([...described].sort());
    expect(served.length).toBe(new Set(served).size);
    expect(operationsOf(h.relay.api.routes).length).toBe(described.length);
  });

  it('is built from the routes themselves: a /v1 route without its own description fails the build', () => {
    const app = new Hono();
    app.get('/v1/described', describeRoute({ operationId: 'described', tag: 'Health', summary: 'Described', responses: { 200: { description: 'ok' } } }), (c) => c.text('ok'));
    expect(Object.keys(buildOpenApiDocument(app.routes).paths)).toEqual(['/v1/described']);
    app.post('/v1/undescribed/:id', (c) => c.text('ok'));
    expect(() => buildOpenApiDocument(app.routes)).toThrow(/routes without describeRoute: post \/v1\/undescribed\/:id/);
  });

  it('names each path parameter and gives operation ids once', () => {
    const ids = operationsOf(h.relay.api.routes).map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values<any>(ops)) {
        expect((op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name)).toEqual(names);
      }
    }
  });
});

describe('request schemas are the ones that validate', () => {
  const createBody = () => doc.paths['/v1/subscriptions'].post.requestBody;

  it('POST /v1/subscriptions: url required, unknown keys refused, like the API', async () => {
    const body = createBody();
    expect(body.required).toBe(true);
    expect(body.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateSubscriptionRequest' });
    const schema = doc.components.schemas.CreateSubscriptionRequest;
    expect(schema.required).toEqual(['url']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['url', 'events', 'sources', 'description', 'secret', 'headers', 'maxPerSecond', 'maxConcurrency', 'filter', 'payload'].sort(),
    );

    const v = documented({ $ref: '#/components/schemas/CreateSubscriptionRequest' });
    const url = 'http://127.0.0.1:9/hook';
    for (const bad of [{}, { url, colour: 'red' }, { url, events: [] }, { url, events: ['lead.exploded'] }, { url, maxConcurrency: 0 }]) {
      expect(v(bad), JSON.stringify(bad)).toBe(false);
      const res = await h.api('POST', '/v1/subscriptions', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expectConforms(res.body, 'Error', responses.errorResponseSchema);
    }
    const good = { url, events: ['lead.*'], sources: ['apten'], description: 'docs test', maxPerSecond: 5 };
    expect(v(good)).toBe(true);
    const res = await h.api('POST', '/v1/subscriptions', good);
    expect(res.status).toBe(201);
    expect(doc.paths['/v1/subscriptions'].post.responses['201'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/SubscriptionWithSecret',
    });
    expectConforms(res.body, 'SubscriptionWithSecret', responses.subscriptionWithSecretSchema);
    await h.api('DELETE', `/v1/subscriptions/${res.body.id}`);
  });

  it('query parameters come from the query schemas', () => {
    const params = doc.paths['/v1/events'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(['type', 'source', 'lead', 'since', 'until', 'limit', 'cursor']);
    const status = doc.paths['/v1/subscriptions/{id}/deliveries'].get.parameters.find((p: any) => p.name === 'status');
    expect(status).toMatchObject({ in: 'query', required: false, schema: { enum: ['pending', 'succeeded', 'failed'] } });
  });
});

describe('responses look as documented', () => {
  it('sources, a sync, subscriptions, deliveries, the event log and errors', async () => {
    h.apten.createLead({ firstName: 'Doc', lastName: 'Umented' });
    const synced = await h.api('POST', '/v1/sources/apten/sync?wait=true');
    expectConforms(synced.body, 'SyncResult', responses.syncResultSchema);
    await waitFor(() => h.sub.accepted.some((r) => r.type === 'lead.created'), { what: 'lead.created' });
    await h.waitIdle();

    expectConforms((await h.api('GET', '/healthz')).body, 'Health', responses.healthSchema);
    expectConforms((await h.api('GET', '/v1/sources')).body, 'SourceList', responses.sourceListSchema);
    expectConforms((await h.api('GET', '/v1/subscriptions')).body, 'SubscriptionList', responses.subscriptionListSchema);
    expectConforms((await h.api('GET', '/v1/subscriptions/all')).body, 'Subscription', responses.subscriptionSchema);
    expectConforms((await h.api('GET', '/v1/subscriptions/all/secret')).body, 'SubscriptionSecret', responses.subscriptionSecretSchema);
    expectConforms((await h.api('PATCH', '/v1/subscriptions/all', { enabled: true })).body, 'UpdatedSubscription', responses.updatedSubscriptionSchema);

    const deliveries = await h.api('GET', '/v1/subscriptions/all/deliveries');
    expectConforms(deliveries.body, 'DeliveryPage', responses.deliveryPageSchema);
    expect(deliveries.body.data[0].attemptLog.length).toBeGreaterThan(0);
    const one = await h.api('GET', `/v1/deliveries/${deliveries.body.data[0].id}`);
    expectConforms(one.body, 'Delivery', responses.deliverySchema);

    const events = await h.api('GET', '/v1/events');
    expectConforms(events.body, 'EventLogPage', responses.eventLogPageSchema);

    const replay = await h.api('POST', '/v1/subscriptions/all/replay', { since: '2020-01-01T00:00:00Z' });
    expect(replay.status).toBe(202);
    expectConforms(replay.body, 'ReplayResult', responses.replayResultSchema);
    await h.waitIdle();

    const accepted = await h.api('POST', '/v1/sources/apten/sync');
    expect(accepted.status).toBe(202);
    expectConforms(accepted.body, 'SyncAccepted', responses.syncAcceptedSchema);
    await h.waitIdle();

    const created = await h.api('POST', '/v1/subscriptions', { url: 'http://127.0.0.1:9/rotate' });
    const rotated = await h.api('POST', `/v1/subscriptions/${created.body.id}/rotate-secret`);
    expectConforms(rotated.body, 'RotatedSecret', responses.rotatedSecretSchema);
    expectConforms((await h.api('GET', `/v1/subscriptions/${created.body.id}/secret`)).body, 'SubscriptionSecret', responses.subscriptionSecretSchema);
    expect((await h.api('DELETE', `/v1/subscriptions/${created.body.id}`)).status).toBe(204);

    const hook = await h.api('POST', '/v1/hooks', { target_url: 'http://127.0.0.1:9/zap', event: 'lead.created' });
    expect(hook.status).toBe(201);
    expectConforms(hook.body, 'Hook', responses.hookSchema);
    expect((await h.api('DELETE', `/v1/hooks/${hook.body.id}`)).status).toBe(204);
    for (const type of ['lead.*', 'event.*', 'lead.deleted']) {
      expectConforms((await h.api('GET', `/v1/hooks/samples/${type}`)).body, 'HookSamples', responses.hookSamplesSchema);
    }

    for (const res of [
      await h.api('GET', '/v1/subscriptions/nope'),
      await h.api('GET', '/v1/sources', undefined, null),
      await h.api('GET', '/v1/events?limit=0'),
      await h.api('DELETE', '/v1/subscriptions/all'),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectConforms(res.body, 'Error', responses.errorResponseSchema);
    }
  });
});

describe('webhooks are described as sent', () => {
  it('documents the six types with the Standard Webhooks headers', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(['event.added', 'event.updated', 'lead.created', 'lead.deleted', 'lead.updated', 'ping']);
    for (const hook of Object.values<any>(doc.webhooks)) {
      const headers = hook.post.parameters.map((p: any) => doc.components.parameters[p.$ref.split('/').pop()]);
      expect(headers.filter((p: any) => p.in === 'header' && p.required).map((p: any) => p.name)).toEqual(
        expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']),
      );
    }
  });

  it('every live webhook validates against the documented schema of its type', async () => {
    const lead = h.apten.createLead({ firstName: 'Hook', lastName: 'Shape' });
    await h.sync();
    h.apten.updateLead(lead.id, { isHot: true });
    const event = h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'OUTBOUND', status: 'SENT', content: { text: 'hi' } } });
    await h.sync();
    h.apten.editEvent(lead.id, event.id, { status: 'DELIVERED' });
    await h.sync();
    h.apten.deleteLead(lead.id);
    await h.sync();
    expect((await h.api('POST', '/v1/subscriptions/all/test')).status).toBe(202);

    const types = ['lead.created', 'lead.updated', 'event.added', 'event.updated', 'lead.deleted', 'ping'] as const;
    await waitFor(() => types.every((t) => h.sub.accepted.some((r) => r.type === t)), { what: 'one webhook of each type' });

    for (const r of h.sub.accepted) {
      const type = r.type as keyof typeof webhookSchemas;
      const v = documented(webhookSchema(type));
      expect(v(r.body), `${type}: ${JSON.stringify(v.errors)}`).toBe(true);
      const parsed = webhookSchemas[type].safeParse(r.body);
      expect(parsed.success, `${type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      // The headers the document promises.
      expect(r.headers['webhook-id']).toBe(r.id);
      expect(String(r.headers['webhook-timestamp'])).toMatch(/^\d+$/);
      expect(String(r.headers['webhook-signature'])).toMatch(/^v1,/);
    }
    const deleted = h.sub.accepted.find((r) => r.type === 'lead.deleted' && r.body.data.lead.id === lead.id)!;
    expect(deleted.body.data.reason).toBe('vendor_deleted');
    expect(deleted.body.data.previous).toBeDefined();
  });

  it('a lead.deleted for a missing lead has no previous, and the document agrees', () => {
    const last = h.sub.accepted.find((r) => r.type === 'lead.created')!.body.data.lead as NormalizedLead;
    const decision = decideMissing({
      sourceId: 'apten',
      vendor: 'apten',
      missing: [{ leadId: last.id, hash: 'h', deleted: false, deletedReason: null, lead: last, state: null, missingScans: 2 }],
      liveCount: 100,
      maxShare: 0.5,
      emit: true,
      now: Date.now(),
    });
    const body = decision.outbox[0]!.body;
    expect(body.data).not.toHaveProperty('previous');
    expect(documented(webhookSchema('lead.deleted'))(body)).toBe(true);
    expect(webhookSchemas['lead.deleted'].safeParse(body).success).toBe(true);
    // previous goes with vendor_deleted only.
    expect(webhookSchemas['lead.deleted'].safeParse({ ...body, data: { ...body.data, previous: last } }).success).toBe(false);
    const branches = doc.components.schemas.LeadDeletedWebhook.properties.data.anyOf;
    const missing = branches.find((b: any) => b.properties.reason.const === 'missing');
    expect(Object.keys(missing.properties)).not.toContain('previous');
    const vendorDeleted = branches.find((b: any) => b.properties.reason.const === 'vendor_deleted');
    expect(vendorDeleted.required).toContain('previous');
  });
});

describe('GET /docs', () => {
  it('is an HTML page that loads Swagger UI from the relay itself, without auth', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/html/);
    for (const asset of ['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/init.js']) expect(res.text).toContain(asset);
    expect(res.text).not.toMatch(/https?:\/\//); // no CDN
  });

  it('serves the assets it references, with their content types', async () => {
    const expected: Record<string, RegExp> = {
      'swagger-ui.css': /^text\/css/,
      'swagger-ui-bundle.js': /^text\/javascript/,
      'init.js': /^text\/javascript/,
      'favicon-32x32.png': /^image\/png/,
    };
    for (const [file, type] of Object.entries(expected)) {
      const res = await get(`/docs/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.type, file).toMatch(type);
      expect(res.bytes.length, file).toBeGreaterThan(100);
    }
    const init = (await get('/docs/init.js')).text;
    expect(init).toContain("'openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });

  it('is served with a strict CSP, X-Frame-Options DENY and nosniff, and needs nothing the CSP forbids', async () => {
    const res = await get('/docs');
    const csp = String(res.headers['content-security-policy'] ?? '');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]));
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'"); // no inline script, no eval
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' data:"); // swagger-ui.css has data: images
    expect(directives.get('connect-src')).toBe("'self'"); // openapi.json and "Try it out"
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The page itself keeps to it: scripts and styles from files, no inline code or styles.
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // Every answer says nosniff, JSON included; and the admin API speaks plain HTTP, so no HSTS.
    for (const path of ['/docs/init.js', '/openapi.json', '/healthz', '/v1/sources', '/nope']) {
      const other = await get(path);
      expect(other.headers['x-content-type-options'], path).toBe('nosniff');
      expect(other.headers['strict-transport-security'], path).toBeUndefined();
    }
  });

  it('serves nothing outside its allow-list', async () => {
    for (const path of [
      '/docs/package.json',
      '/docs/index.html',
      '/docs/swagger-ui-bundle.js.map',
      '/docs/..%2Fpackage.json',
      '/docs/%2e%2e%2f%2e%2e%2fpackage.json',
      '/docs/..%2F..%2F..%2Fpackage.json',
      '/docs/constructor',
      '/docs/__proto__',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.text).error.code).toBe('not_found');
    }
  });
});
