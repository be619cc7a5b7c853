// Issue #8 item 4, hostile admin input: property-based fuzzing (fast-check) of every admin route,
// enumerated from GET /openapi.json so a new route is fuzzed without touching this file. Promises
// (interface.md "Admin API"): every bad request gets a 4xx with the one error shape, never a 5xx;
// it changes nothing that is stored (a dump of every table is compared before and after); the
// process stays up; the admin token is compared in constant time.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokensEqual } from '../src/api/auth.js';
import { ADMIN_TOKEN, Harness } from './helpers/harness.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  format?: string;
  $ref?: string;
}

interface Route {
  method: Method;
  /** OpenAPI form: /v1/subscriptions/{id} */
  path: string;
  operationId: string;
  pathParams: string[];
  queryParams: string[];
  body: JsonSchema | null;
}

/** A body each body-taking route accepts, so that "valid + one unknown field" really tests the unknown field. */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  createSubscription: () => ({ url: 'http://127.0.0.1:9/hook' }),
  updateSubscription: () => ({ description: 'fuzz' }),
  rotateSubscriptionSecret: () => ({}),
  replaySubscription: () => ({ since: '2020-01-01T00:00:00Z' }),
  createHook: () => ({ target_url: 'http://127.0.0.1:9/hook', event: 'lead.created' }),
  testFilter: () => ({ filter: { type: 'lead.created' }, event: { type: 'lead.created' } }),
};

const NUM_RUNS = Number(process.env.LEADRELAY_FUZZ_RUNS ?? 150);
/** Per property test: generous, and growing with LEADRELAY_FUZZ_RUNS for longer runs. */
const FUZZ_TIMEOUT_MS = Math.max(30_000, NUM_RUNS * 300);
let inputsTried = 0;

let h: Harness;
let routes: Route[] = [];
/** Real ids, so that a body is validated rather than turned away by a 404 first. */
const realIds: Record<string, string> = {};
let stateBefore = '';
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

// ---------------------------------------------------------------------------------------------
// Talking to the relay

interface Answer {
  status: number;
  text: string;
  json: any;
}

async function send(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  inputsTried++;
  const res = await request(`${h.relay.url}${path}`, { method: method as 'GET', headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.statusCode, text, json };
}

/**
 * A huge upload over a raw socket, reading the answer while still sending: the relay answers 413 and
 * hangs up mid-upload (as nginx does), which undici reports as a socket error rather than the response.
 */
function sendHuge(method: string, path: string, totalBytes: number, framing: 'sized' | 'chunked'): Promise<Answer> {
  inputsTried++;
  const { hostname, port } = new URL(h.relay.url!);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    socket.on('error', () => undefined); // EPIPE/ECONNRESET once the relay hangs up: expected
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(received);
      if (!m) return reject(new Error(`no HTTP response to the huge upload: ${JSON.stringify(received.slice(0, 200))}`));
      let json: any = null;
      try {
        json = JSON.parse(m[2]!);
      } catch {
        json = null;
      }
      resolve({ status: Number(m[1]), text: m[2]!, json });
    });
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        `Content-Type: application/json\r\n${framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${totalBytes}`}\r\n` +
        'Connection: close\r\n\r\n',
    );
    const data = 'x'.repeat(0x10000);
    const chunk = framing === 'chunked' ? `10000\r\n${data}\r\n` : data;
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes && !socket.destroyed) {
        sent += 0x10000;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end(framing === 'chunked' ? '0\r\n\r\n' : '');
    };
    pump();
  });
}

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const jsonAuth = { ...auth, 'content-type': 'application/json' };

/** The promise for every hostile request: a 4xx carrying exactly the documented error shape. */
function expectClientError(res: Answer, context: string, allowed?: number[]): void {
  const where = `${context} -> ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  if (allowed) expect(allowed, where).toContain(res.status);
  expect(Object.keys(res.json ?? {}), where).toEqual(['error']);
  const { error } = res.json;
  expect(Object.keys(error).sort(), where).toEqual(['code', 'details', 'message']);
  expect(typeof error.code, where).toBe('string');
  expect(typeof error.message, where).toBe('string');
  expect(Array.isArray(error.details), where).toBe(true);
  // Nothing of the token ever comes back.
  expect(res.text.includes(ADMIN_TOKEN), where).toBe(false);
}

function fillPath(route: Route, params: Record<string, string>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? realIds[route.operationId] ?? 'x'));
}

const LIVENESS_COLUMNS = new Set(['replicas.last_seen_at', 'sources.lease_expires_at']);

/** Every stored row of every table, in a stable order: "no change to stored state" is this string being equal. */
function dumpState(): string {
  const db = new Database(h.config.storage.path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    // Rows sorted in JS: some tables are WITHOUT ROWID. The relay's own liveness marks move with the
    // clock whatever the requests (heartbeat every leaseTtl / 3, lease renewal): a slow run outlasts one.
    const rows = (t: string) => {
      const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t) as string[]).filter((c) => !LIVENESS_COLUMNS.has(`${t}.${c}`));
      return (db.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${t}"`).raw().all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    };
    return JSON.stringify(tables.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

/** The rows that differ between two dumps, per table, so a failure says what changed. */
function stateChanges(before: string, after: string): Array<{ table: string; gone: string[]; added: string[] }> {
  const asMap = (dump: string) => new Map(JSON.parse(dump) as Array<[string, string[]]>);
  const [a, b] = [asMap(before), asMap(after)];
  const changes = [];
  for (const table of new Set([...a.keys(), ...b.keys()])) {
    const [was, now] = [new Set(a.get(table) ?? []), new Set(b.get(table) ?? [])];
    const gone = [...was].filter((r) => !now.has(r));
    const added = [...now].filter((r) => !was.has(r));
    if (gone.length || added.length) changes.push({ table, gone, added });
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE subscriptions; --",
  '" OR 1=1 --',
  '1; SELECT * FROM sqlite_master',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '__proto__',
  'constructor',
  'prototype',
  '${LEADRELAY_ADMIN_TOKEN}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  '\u0000',
  '\r\nX-Injected: 1',
  '😀\u202e\u200b',
  'Ω'.repeat(300),
];

const hostileString = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 4000 }),
);

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];

/** The JSON types a property schema allows ("integer" counts as "number"). */
/** components.schemas of the document, for properties that refer to a named schema (Filter, PayloadOptions). */
let components: Record<string, JsonSchema> = {};

function allowedTypes(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  const add = (s: JsonSchema | undefined) => {
    if (!s) return;
    if (s.$ref) return add(components[s.$ref.replace('#/components/schemas/', '')]);
    const t = s.type;
    for (const one of Array.isArray(t) ? t : t ? [t] : []) types.add(one === 'integer' ? 'number' : one);
    s.anyOf?.forEach(add);
  };
  add(schema);
  return types;
}

const VALUE_OF_TYPE: Record<string, fc.Arbitrary<unknown>> = {
  string: hostileString,
  // No NaN or Infinity: JSON.stringify would turn them into null, which some fields allow.
  number: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  object: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
};

/** A value the property must refuse: of a JSON type it does not allow, or a string past its maxLength or outside its pattern/enum/format. */
function invalidValueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const allowed = allowedTypes(schema);
  const options: fc.Arbitrary<unknown>[] = Object.entries(VALUE_OF_TYPE)
    .filter(([t]) => allowed.size > 0 && !allowed.has(t))
    .map(([, arb]) => arb);
  const stringSchema = [schema, ...(schema.anyOf ?? [])].find((s) => s.type === 'string');
  if (stringSchema?.maxLength !== undefined) {
    options.push(fc.string({ unit: 'grapheme-ascii', minLength: stringSchema.maxLength + 1, maxLength: stringSchema.maxLength + 2000 }));
  }
  if (stringSchema?.format === 'uri') options.push(hostileString.filter((s) => !/^https?:\/\//i.test(s)));
  else if (stringSchema?.enum) options.push(hostileString.filter((s) => !stringSchema.enum!.includes(s)));
  else if (stringSchema?.pattern) {
    const re = new RegExp(stringSchema.pattern, 'u');
    options.push(hostileString.filter((s) => !re.test(s)));
  }
  return fc.oneof(...options);
}

/** Bodies the route must refuse, built from its schema. */
function invalidBodies(route: Route): fc.Arbitrary<{ kind: string; text: string }> {
  const schema = route.body!;
  const props = Object.entries(schema.properties ?? {});
  const known = new Set(props.map(([k]) => k));
  const unknownKey = fc.oneof(fc.constantFrom(...POLLUTION_KEYS), hostileString).filter((k) => !known.has(k));
  const validBody = VALID_BODIES[route.operationId]!;
  const asJson = (kind: string) => (v: unknown) => ({ kind, text: JSON.stringify(v) });
  const arbs: fc.Arbitrary<{ kind: string; text: string }>[] = [
    // Not JSON at all, or cut short.
    fc
      .string({ unit: 'binary', minLength: 1, maxLength: 300 })
      .filter((s) => s.trim() !== '' && !parses(s))
      .map((text) => ({ kind: 'malformed JSON', text })),
    fc.nat({ max: 40 }).map((n) => ({ kind: 'truncated JSON', text: JSON.stringify({ ...validBody(), pad: 'x'.repeat(40) }).slice(0, n + 1) })),
    // JSON, but not an object.
    fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 })), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), hostileString).map(asJson('not an object')),
    // A valid body plus one unknown field (prototype-pollution keys included, as JSON.parse makes them own keys).
    fc.tuple(unknownKey, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({
      kind: `unknown field ${JSON.stringify(k).slice(0, 40)}`,
      text: JSON.stringify(validBody()).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v)}${Object.keys(validBody()).length ? ',' : ''}`),
    })),
    // Deeply nested junk where a field belongs.
    fc.integer({ min: 1000, max: 20_000 }).map((depth) => ({
      kind: 'deep nesting',
      text: `{"${props[0]?.[0] ?? 'x'}":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    })),
  ];
  for (const [name, propSchema] of props) {
    arbs.push(invalidValueFor(propSchema).map((v) => ({ kind: `bad ${name}`, text: JSON.stringify({ ...validBody(), [name]: v }) })));
  }
  return fc.oneof(...arbs);
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  h = await new Harness({ pruner: { firstRunAfterMs: 3_600_000 } }).start();
  // Stored state worth protecting: leads, events, deliveries, an API subscription and a REST hook.
  h.apten.createLead();
  h.apten.createLead();
  await h.sync();
  const sub = await h.api('POST', '/v1/subscriptions', { url: h.sub.url, description: 'kept' });
  expect(sub.status).toBe(201);
  const hook = await h.api('POST', '/v1/hooks', { target_url: h.sub.url, event: 'lead.created' });
  expect(hook.status).toBe(201);
  await h.waitIdle();
  const delivery = (await h.api('GET', '/v1/subscriptions/all/deliveries')).body.data[0];
  Object.assign(realIds, {
    syncSource: h.sourceId,
    releaseDeletes: h.sourceId,
    getSubscription: sub.body.id,
    updateSubscription: sub.body.id,
    deleteSubscription: sub.body.id,
    listDeliveries: sub.body.id,
    getSubscriptionSecret: sub.body.id,
    rotateSubscriptionSecret: sub.body.id,
    testSubscription: sub.body.id,
    replaySubscription: sub.body.id,
    getDelivery: delivery.id,
    retryDelivery: delivery.id,
    deleteHook: hook.body.id,
    getHookSamples: 'lead.created',
  });

  const doc = await send('GET', '/openapi.json');
  expect(doc.status).toBe(200);
  components = doc.json.components.schemas;
  const resolve = (s: JsonSchema | undefined): JsonSchema | null => {
    if (!s) return null;
    if (s.$ref) return doc.json.components.schemas[s.$ref.replace('#/components/schemas/', '')];
    return s;
  };
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.json.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params: Array<{ in: string; name: string }> = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase() as Method,
        path,
        operationId: op.operationId,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  routes = routes.filter((r) => r.path.startsWith('/v1/'));
  stateBefore = dumpState();
}, 30_000);

afterAll(async () => {
  await h?.stop();
  // The figure RELIABILITY.md quotes.
  console.log(`admin-fuzz: ${inputsTried} requests over ${routes.length} admin routes`);
});

describe('hostile admin input (every route from GET /openapi.json)', () => {
  it('knows every admin route, and a valid body for each one that takes a body', () => {
    expect(routes.length).toBeGreaterThanOrEqual(19);
    for (const r of routes.filter((x) => x.body)) expect(VALID_BODIES, `add a valid body for ${r.operationId}`).toHaveProperty(r.operationId);
    for (const r of routes.filter((x) => x.pathParams.length)) expect(realIds, `add a real id for ${r.operationId}`).toHaveProperty(r.operationId);
  });

  it('missing, invalid and almost-right tokens get 401 on every route, whatever the request', async () => {
    const almost = [
      ADMIN_TOKEN.slice(0, -1),
      `${ADMIN_TOKEN}x`,
      ADMIN_TOKEN.toUpperCase(),
      `${ADMIN_TOKEN.slice(0, 5)}${ADMIN_TOKEN[5] === 'a' ? 'b' : 'a'}${ADMIN_TOKEN.slice(6)}`,
      `${ADMIN_TOKEN}\u0000`,
      `"${ADMIN_TOKEN}"`,
    ];
    const header = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('', 'Bearer', 'Bearer ', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, `Token ${ADMIN_TOKEN}`, ADMIN_TOKEN),
      fc.constantFrom(...almost).map((t) => `Bearer ${t}`),
      hostileString.map((t) => `Bearer ${t}`),
      fc.string({ unit: 'grapheme-ascii', minLength: 5000, maxLength: 8000 }).map((t) => `Bearer ${t}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), header, async (route, authorization) => {
        // Only what HTTP can carry in a header (undici refuses the rest before sending): bytes, no controls.
        const value = authorization === undefined ? undefined : Buffer.from(authorization, 'latin1').toString('latin1');
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (value !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(value)) headers.authorization = value;
        const body = route.body ? JSON.stringify(VALID_BODIES[route.operationId]!()) : undefined;
        const res = await send(route.method, fillPath(route, {}), { headers, body });
        expectClientError(res, `${route.method} ${route.path} auth=${JSON.stringify(value)?.slice(0, 60)}`, [401]);
        expect(res.json.error.code).toBe('unauthorized');
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  }, FUZZ_TIMEOUT_MS);

  it('hostile path parameters (unknown ids, traversal, injection, unicode) get a 4xx on every route with one', async () => {
    const withParams = routes.filter((r) => r.pathParams.length > 0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withParams), hostileString.filter((s) => s.length > 0 && s.length <= 1000), async (route, value) => {
        const params = Object.fromEntries(route.pathParams.map((p) => [p, value]));
        const body = route.body ? JSON.stringify(VALID_BODIES[route.operationId]!()) : undefined;
        const res = await send(route.method, fillPath(route, params), { headers: jsonAuth, body });
        expectClientError(res, `${route.method} ${route.path} id=${JSON.stringify(value).slice(0, 60)}`);
      }),
      { numRuns: NUM_RUNS },
    );
  }, FUZZ_TIMEOUT_MS);

  it('invalid bodies (malformed, wrong types, too long, unknown and __proto__ fields, deep nesting) get 400 naming the problem', async () => {
    const withBody = routes.filter((r) => r.body);
    const cases = fc.oneof(...withBody.map((r) => fc.tuple(fc.constant(r), invalidBodies(r))));
    await fc.assert(
      fc.asyncProperty(cases, async ([route, { kind, text }]) => {
        const res = await send(route.method, fillPath(route, {}), { headers: jsonAuth, body: text });
        expectClientError(res, `${route.method} ${route.path} ${kind}: ${text.slice(0, 80)}`, [400]);
        expect(['invalid_json', 'invalid_request']).toContain(res.json.error.code);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  }, FUZZ_TIMEOUT_MS);

  it('a valid body sent with a non-JSON content type is refused (415), not guessed at', async () => {
    const withBody = routes.filter((r) => r.body);
    const contentType = fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonp',
      'text/json; charset=utf-7',
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody), contentType, async (route, type) => {
        const res = await send(route.method, fillPath(route, {}), {
          headers: { ...auth, 'content-type': type },
          body: JSON.stringify(VALID_BODIES[route.operationId]!()),
        });
        expectClientError(res, `${route.method} ${route.path} content-type ${type}`, [415]);
      }),
      { numRuns: Math.ceil(NUM_RUNS / 3) },
    );
  }, FUZZ_TIMEOUT_MS);

  it('a 2 MB body gets 413 on every route, with or without a content-length', async () => {
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      const path = fillPath(route, {});
      expectClientError(await sendHuge(route.method, path, 2 * 1024 * 1024, 'sized'), `${route.method} ${route.path} 2 MB`, [413]);
      // Chunked: no content-length to refuse it by, the limit must hold while reading.
      expectClientError(await sendHuge(route.method, path, 2 * 1024 * 1024, 'chunked'), `${route.method} ${route.path} 2 MB chunked`, [413]);
    }
  }, FUZZ_TIMEOUT_MS);

  it('unknown query parameters get 400 where a route takes a query, hostile values never a 5xx', async () => {
    const withQuery = routes.filter((r) => r.queryParams.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withQuery),
        fc.oneof(fc.constantFrom(...POLLUTION_KEYS), hostileString.filter((s) => s.length > 0 && s.length < 300)),
        hostileString.filter((s) => s.length < 1000),
        fc.boolean(),
        async (route, key, value, knownKey) => {
          const name = knownKey ? route.queryParams[value.length % route.queryParams.length]! : key;
          if (!knownKey && route.queryParams.includes(name)) return;
          // A POST with query parameters (sync?wait=) would start a sync: send it to an unknown source.
          const path = fillPath(route, route.method === 'GET' ? {} : { id: 'no-such-source' });
          const res = await send(route.method, `${path}?${encodeURIComponent(name)}=${encodeURIComponent(value)}`, { headers: auth });
          const where = `${route.method} ${route.path}?${name.slice(0, 40)}=${value.slice(0, 40)}`;
          if (!knownKey) expectClientError(res, where, [400, 404]);
          else if (res.status >= 400) expectClientError(res, where);
          else expect(res.status, where).toBe(200);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, FUZZ_TIMEOUT_MS);

  it('methods a path does not have get a 4xx with the error shape', async () => {
    const paths = [...new Set(routes.map((r) => r.path))];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'] as const) {
        if (routes.some((r) => r.path === path && r.method === method)) continue;
        const res = await send(method, path.replace(/\{[^}]+\}/g, 'x'), { headers: jsonAuth, body: method === 'GET' ? undefined : '{}' });
        expectClientError(res, `${method} ${path}`);
      }
    }
  });

  it('afterwards: nothing stored changed, no prototype was polluted, and the relay still serves', async () => {
    expect(stateChanges(stateBefore, dumpState())).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await send('GET', '/healthz')).status).toBe(200);
    const list = await send('GET', '/v1/subscriptions', { headers: auth });
    expect(list.status).toBe(200);
    expect(list.json.data.map((s: { description: string | null }) => s.description)).toContain('kept');
    expect(h.logs.filter((l) => l.includes('admin API request failed'))).toEqual([]);
    expect(inputsTried).toBeGreaterThan(NUM_RUNS * 6);
  });
});

describe('admin token comparison', () => {
  it('is exact: equal tokens match, anything else does not, whatever the lengths (no throw on a length mismatch)', () => {
    expect(tokensEqual(ADMIN_TOKEN, ADMIN_TOKEN)).toBe(true);
    expect(tokensEqual(ADMIN_TOKEN.slice(0, -1), ADMIN_TOKEN)).toBe(false);
    expect(tokensEqual('', ADMIN_TOKEN)).toBe(false);
    // crypto.timingSafeEqual throws on buffers of different lengths: comparing fixed-size digests
    // is what lets a short or a 1 MB guess be compared in constant time (and not crash the request).
    expect(tokensEqual('x'.repeat(1024 * 1024), ADMIN_TOKEN)).toBe(false);
    fc.assert(
      // Well-formed strings: tokens arrive from env/config and as Latin-1 header bytes, never as lone surrogates.
      fc.property(fc.string({ unit: 'grapheme' }), fc.oneof(fc.string({ unit: 'grapheme' }), fc.constant(ADMIN_TOKEN)), (a, b) => {
        inputsTried++;
        expect(tokensEqual(a, b)).toBe(a === b);
        expect(tokensEqual(a, a)).toBe(true);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });
});
