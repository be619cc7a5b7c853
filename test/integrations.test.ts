// The worked integrations (issue #6): the private Zapier app in docs/zapier/ and the n8n workflows in
// examples/, run against a real relay. Zapier's and n8n's runtimes are not installed here; the thin
// stand-ins below play their part (z.request over undici; n8n's Code-node inputs in a node:vm
// context) while everything of ours is the real thing.
import { createHash, randomBytes } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { z as zod } from 'zod';
import { generateSecret, signatureHeader } from '../src/delivery/sign.js';
import { EVENT_TYPES } from '../src/model.js';
import { Harness } from './helpers/harness.js';
import { NexusSimulator } from '../src/vendors/nexus-erp/sim/index.js';
import { MegaSimulator } from '../src/vendors/mega/sim/index.js';
import { TestSubscriber, type Received } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { validateAppDefinition } = createRequire(import.meta.url)('zapier-platform-schema');
const HOOKS_TOKEN = 'zapier-hooks-token-4b7e1c9d2a';
const READ_TOKEN = 'oncall-read-token-77aa01bc2d5e';
const ZAPIER_TOKENS = [
  { name: 'zapier', token: HOOKS_TOKEN, scopes: ['hooks'] },
  { name: 'oncall', token: READ_TOKEN, scopes: ['read'] },
];
const ZAPIER_DIR = join(ROOT, 'docs', 'zapier');
const requireCjs = createRequire(import.meta.url);

let h: Harness;
const extra: TestSubscriber[] = [];
afterEach(async () => {
  await h?.stop();
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

async function subscriber(secret = generateSecret()): Promise<TestSubscriber> {
  const s = await new TestSubscriber(secret).start();
  extra.push(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Zapier

/** Zapier's z.errors.Error(message, code, status). */
class ZapierError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A minimal stand-in for the `z` object of zapier-platform-core (not for any code of ours): z.request
 * sends the request for real with undici and answers {status, headers, content, data, json,
 * throwForStatus}; object bodies are JSON-encoded; without skipThrowForStatus a status >= 400 throws.
 */
function fakeZ() {
  const calls: Array<{ method: string; url: string }> = [];
  const z = {
    calls,
    errors: { Error: ZapierError },
    console,
    JSON,
    async request(opts: { url: string; method?: string; headers?: Record<string, string>; body?: unknown; skipThrowForStatus?: boolean }) {
      const method = opts.method ?? 'GET';
      calls.push({ method, url: opts.url });
      const body = opts.body === undefined || typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      const res = await request(opts.url, { method: method as 'GET', headers: opts.headers, body });
      const content = await res.body.text();
      let data: unknown;
      try {
        data = content ? JSON.parse(content) : undefined;
      } catch {
        data = undefined;
      }
      const response = {
        status: res.statusCode,
        headers: res.headers,
        content,
        data,
        json: data,
        request: opts,
        throwForStatus() {
          if (res.statusCode >= 400) throw new Error(`Got ${res.statusCode} calling ${method} ${opts.url}`);
        },
      };
      if (!opts.skipThrowForStatus) response.throwForStatus();
      return response;
    },
  };
  return z;
}

type ZapierOperation = {
  type: string;
  inputFields: unknown[];
  performSubscribe: (z: unknown, bundle: unknown) => Promise<any>;
  performUnsubscribe: (z: unknown, bundle: unknown) => Promise<any>;
  perform: (z: unknown, bundle: unknown) => any;
  performList: (z: unknown, bundle: unknown) => Promise<any>;
  sample: unknown;
};
type ZapierTrigger = { key: string; noun: string; display: { label: string; description: string }; operation: ZapierOperation };

const TRIGGERS = [
  { file: 'lead_created', event: 'lead.created' },
  { file: 'lead_updated', event: 'lead.updated' },
  { file: 'lead_deleted', event: 'lead.deleted' },
  { file: 'event_added', event: 'event.added' },
] as const;
/** Triggers that set a content filter on subscribe (docs/filters.md). */
const FILTER_TRIGGERS = [
  { file: 'lead_status_changed', event: 'lead.updated' },
  { file: 'lead_assigned', event: 'lead.updated' },
] as const;

const loadTrigger = (file: string) => requireCjs(join(ZAPIER_DIR, 'triggers', `${file}.js`)) as ZapierTrigger;

/**
 * Loads docs/zapier/index.js as Zapier would, with zapier-platform-core (not installed here) replaced
 * by its version: everything else it requires is the real file.
 */
function loadZapierApp(): any {
  const file = join(ZAPIER_DIR, 'index.js');
  const realRequire = createRequire(file);
  const fakeRequire = (id: string) => (id === 'zapier-platform-core' ? { version: '19.1.0' } : realRequire(id));
  const module = { exports: {} as any };
  const fn = vm.compileFunction(readFileSync(file, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  fn(module.exports, fakeRequire, module, file, dirname(file));
  return module.exports;
}

/**
 * The definition as zapier-platform-core hands it to the schema (its serializeApp): every function
 * becomes a "$func$<arity>$f$" pointer; everything else is kept as written.
 */
function serializeApp(value: unknown): unknown {
  if (typeof value === 'function') return `$func$${value.length}$f$`;
  if (Array.isArray(value)) return value.map(serializeApp);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serializeApp(v)]));
  return value;
}

/** zapier-platform-schema's validation, the one `zapier validate` (zapier-platform-cli 19.1.0) runs. */
const zapierSchemaErrors = (app: unknown): string[] => validateAppDefinition(serializeApp(app)).errors.map((e: { stack: string }) => e.stack);

describe('Zapier integration (docs/zapier)', () => {
  it('passes zapier-platform-schema 19.1.0, the schema `zapier validate` checks (issue #12: "important" was refused)', () => {
    const app = loadZapierApp();
    expect(zapierSchemaErrors(app)).toEqual([]);
    // The check bites: the property the CLI refused is reported again if it comes back.
    const withImportant = structuredClone(serializeApp(app)) as any;
    withImportant.triggers.lead_created.display.important = true;
    expect(validateAppDefinition(withImportant).errors.map((e: { stack: string }) => e.stack)).toEqual([
      'instance.triggers.lead_created.display is not allowed to have the additional property "important"',
    ]);
    // Every static sample has an id (Zapier's triggerHasId check refuses results without one).
    for (const t of Object.values<any>(app.triggers)) expect(t.operation.sample.id, t.key).toMatch(/^evt_/);
  });

  it('assembles an app of six REST hook triggers with custom auth', () => {
    const app = loadZapierApp();
    const pkg = JSON.parse(readFileSync(join(ZAPIER_DIR, 'package.json'), 'utf8'));
    expect(app.version).toBe(pkg.version);
    expect(app.platformVersion).toBe('19.1.0');
    expect(pkg.dependencies['zapier-platform-core']).toMatch(/^\d+\.\d+\.\d+$/); // the CLI wants an exact version
    expect(app.authentication.type).toBe('custom');
    expect(app.authentication.fields.map((f: any) => f.key)).toEqual(['relayUrl', 'token']);
    expect(Object.keys(app.triggers).sort()).toEqual([...TRIGGERS, ...FILTER_TRIGGERS].map((t) => t.file).sort());
    for (const t of [...TRIGGERS, ...FILTER_TRIGGERS]) {
      const trigger = app.triggers[t.file] as ZapierTrigger;
      expect(trigger.key).toBe(t.file);
      expect(trigger.operation.type).toBe('hook');
      for (const fn of ['performSubscribe', 'performUnsubscribe', 'perform', 'performList'] as const) {
        expect(typeof trigger.operation[fn], `${t.file}.${fn}`).toBe('function');
      }
      expect((trigger.operation.sample as any).type).toBe(t.event); // required by `zapier validate` for a visible trigger
      expect(trigger.display.description).toMatch(/\.$/);
    }
  });

  it('connects (test call), subscribes each trigger, gets its webhooks, samples, and unsubscribes', async () => {
    h = await new Harness({ subscriptions: () => [], server: { tokens: ZAPIER_TOKENS } }).start();
    const z = fakeZ();
    const app = loadZapierApp();
    // As a user would paste it: with a trailing slash; and a token with the hooks scope only.
    const base = h.relay.url!;
    const authData = { relayUrl: `${base}/`, token: HOOKS_TOKEN };

    const me = await app.authentication.test(z, { authData, inputData: {} });
    expect(me).toEqual({ name: 'zapier', scopes: ['hooks'] });
    expect(z.calls.at(-1)).toEqual({ method: 'GET', url: `${base}/v1/whoami` });
    expect(app.authentication.connectionLabel(z, { authData })).toBe(base.replace(/^https?:\/\//, ''));
    const refused = app.authentication.test(z, { authData: { ...authData, token: 'not-the-token-0123456789' }, inputData: {} });
    await expect(refused).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    // A token that could not subscribe is refused at connect time, with why.
    const readOnly = app.authentication.test(z, { authData: { ...authData, token: READ_TOKEN }, inputData: {} });
    await expect(readOnly).rejects.toMatchObject({ message: expect.stringMatching(/"oncall".*hooks scope/) });

    // Turning each Zap on: Zapier hands performSubscribe a target URL of its own.
    const zaps = [];
    for (const t of TRIGGERS) {
      const trigger = loadTrigger(t.file);
      const target = await subscriber();
      const inputData = t.file === 'lead_created' ? { sources: ['apten'] } : {};
      const subscribeData = await trigger.operation.performSubscribe(z, { authData, inputData, targetUrl: target.url });
      expect(subscribeData).toEqual({
        id: expect.stringMatching(/^sub_/),
        event: t.event,
        target_url: target.url,
        sources: t.file === 'lead_created' ? ['apten'] : null,
        filter: null,
        payload: null,
      });
      // Zapier does not check signatures; the test subscriber does, with the generated secret.
      target.secret = (await h.api('GET', `/v1/subscriptions/${subscribeData.id}/secret`)).body.secret;
      zaps.push({ ...t, trigger, target, subscribeData });
    }
    const hooks = (await h.api('GET', '/v1/subscriptions')).body.data;
    expect(hooks.map((s: any) => [s.origin, s.events])).toEqual(TRIGGERS.map((t) => ['hook', [t.event]]));

    // Things happen at the vendor.
    const lead = h.apten.createLead();
    await h.sync();
    h.apten.updateLead(lead.id, { isHot: true });
    await h.sync();
    h.apten.addEvent(lead.id, { type: 'MESSAGE', data: { direction: 'INBOUND', content: { text: 'Yes tuesday works' }, status: 'RECEIVED' } });
    await h.sync();
    h.apten.deleteLead(lead.id);
    await h.sync();
    await h.waitIdle();

    for (const zap of zaps) {
      await waitFor(() => zap.target.accepted.length > 0, { what: `${zap.event} at its Zap` });
      expect(zap.target.received.every((r) => r.verified && r.type === zap.event), zap.event).toBe(true);
      const [first] = zap.target.received;
      // perform: what Zapier parsed from the POST (bundle.cleanedRequest) is the trigger's result.
      // Zapier's rawRequest headers are title-cased with an Http- prefix; the webhook-id becomes the result's id.
      const rawRequest = { headers: { 'Http-Webhook-Id': first!.id, 'Http-Content-Type': 'application/json' }, content: first!.raw };
      const results = zap.trigger.operation.perform(z, { authData, inputData: {}, cleanedRequest: JSON.parse(first!.raw), rawRequest });
      expect(results).toEqual([{ id: first!.id, ...first!.body }]);
      expect(Object.keys(results[0])[0]).toBe('id');
      expect(results[0].data.source).toBe('apten');

      // performList: samples for field mapping, of the type of the trigger; the static sample is the first.
      const samples = await zap.trigger.operation.performList(z, { authData, inputData: {} });
      expect(samples.length).toBeGreaterThanOrEqual(2);
      expect(samples.every((s: any) => s.type === zap.event)).toBe(true);
      expect(zap.trigger.operation.sample).toEqual(samples[0]);
      // A sample has the keys of a live result: the webhook body and its id.
      expect(Object.keys(samples[0]).sort()).toEqual(Object.keys(results[0]).sort());
      for (const sample of samples) expect(sample.id).toMatch(/^evt_/);
      // Among the samples, one of this webhook's vendor and kind, with the same data keys.
      const sameKind = samples.find((x: any) => x.data.vendor === first!.body.data.vendor && x.data.reason === first!.body.data.reason);
      expect(Object.keys(sameKind.data).sort()).toEqual(Object.keys(first!.body.data).sort());
    }
    expect(zaps.find((x) => x.event === 'lead.created')!.target.received[0]!.body.data.lead.id).toBe(lead.id);

    // Turning the Zaps off: performUnsubscribe with what performSubscribe answered.
    for (const zap of zaps) {
      const bundle = { authData, inputData: {}, subscribeData: zap.subscribeData };
      await zap.trigger.operation.performUnsubscribe(z, bundle);
      expect(z.calls.at(-1)).toEqual({ method: 'DELETE', url: `${base}/v1/hooks/${zap.subscribeData.id}` });
      // Already gone (e.g. removed after a 410): still a clean unsubscribe.
      await zap.trigger.operation.performUnsubscribe(z, bundle);
    }
    expect((await h.api('GET', '/v1/subscriptions')).body.data).toEqual([]);
    const counts = zaps.map((zap) => zap.target.received.length);
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(zaps.map((zap) => zap.target.received.length)).toEqual(counts);
  });

  it('"Lead Status Changed" and "Lead Assigned to Owner" subscribe with a filter and get only those events', async () => {
    const nexus = new NexusSimulator({ apiKey: 'nexus-zapier-key' });
    const leads = nexus.seed(6);
    for (const id of leads) nexus.updateLead(id, { status: 'CONTACTED', assignedToId: null });
    h = await new Harness({ sim: nexus, subscriptions: () => [], server: { tokens: ZAPIER_TOKENS } }).start();
    const z = fakeZ();
    const authData = { relayUrl: h.relay.url!, token: HOOKS_TOKEN };
    const zap = async (file: string, inputData: Record<string, unknown>) => {
      const trigger = loadTrigger(file);
      const target = await subscriber();
      const subscribeData = await trigger.operation.performSubscribe(z, { authData, inputData, targetUrl: target.url });
      target.secret = (await h.api('GET', `/v1/subscriptions/${subscribeData.id}/secret`)).body.secret;
      return { trigger, target, subscribeData, body: z.calls.at(-1) };
    };
    const toQualified = await zap('lead_status_changed', { to_status: ' QUALIFIED ', from_status: '' });
    const anyStatus = await zap('lead_status_changed', {});
    const fromContactedToLost = await zap('lead_status_changed', { from_status: 'CONTACTED', to_status: 'LOST' });
    const toMember = await zap('lead_assigned', { owner_id: nexus.members[0] });
    const anyOwner = await zap('lead_assigned', {});
    // The subscribe body carries the filter; the hook shows it.
    expect(toQualified.subscribeData).toMatchObject({ event: 'lead.updated', filter: { 'data.lead.status': { $changed: true, $to: 'QUALIFIED' } } });
    expect(anyStatus.subscribeData.filter).toEqual({ 'data.lead.status': { $changed: true } });
    expect(fromContactedToLost.subscribeData.filter).toEqual({ 'data.lead.status': { $changed: true, $from: 'CONTACTED', $to: 'LOST' } });
    expect(toMember.subscribeData.filter).toEqual({ 'data.lead.owner.id': { $to: nexus.members[0] } });
    expect(anyOwner.subscribeData.filter).toEqual({ 'data.lead.owner.id': { $changed: true } });

    const [a, b, c, d, e] = leads as [string, string, string, string, string];
    nexus.updateLead(a, { status: 'QUALIFIED' });
    nexus.updateLead(b, { status: 'LOST' });
    nexus.updateLead(c, { assignedToId: nexus.members[0]! });
    nexus.updateLead(d, { assignedToId: nexus.members[1]! });
    nexus.updateLead(e, { notes: 'called, no answer' });
    await h.sync();
    await h.waitIdle();
    const leadsOf = (t: TestSubscriber) => t.received.filter((r) => r.verified).map((r) => r.body.data.lead.id).sort();
    expect(leadsOf(toQualified.target)).toEqual([a]);
    expect(leadsOf(anyStatus.target)).toEqual([a, b].sort());
    expect(leadsOf(fromContactedToLost.target)).toEqual([b]);
    expect(leadsOf(toMember.target)).toEqual([c]);
    expect(leadsOf(anyOwner.target)).toEqual([c, d].sort());
    // perform hands the body on as it came; samples are lead.updated ones, as live.
    const [first] = toQualified.target.received;
    const results = toQualified.trigger.operation.perform(z, { authData, inputData: {}, cleanedRequest: JSON.parse(first!.raw), rawRequest: { headers: { 'Http-Webhook-Id': first!.id } } });
    expect(results).toEqual([{ id: first!.id, ...first!.body }]);
    const samples = await toQualified.trigger.operation.performList(z, { authData, inputData: {} });
    expect(samples.every((x: any) => x.type === 'lead.updated' && Array.isArray(x.data.changes))).toBe(true);
    // What each filter kept back is counted on the hook's subscription.
    const sub = (await h.api('GET', `/v1/subscriptions/${toQualified.subscribeData.id}`)).body;
    expect(sub.filteredCount).toBe(4);
  });

  it('shows leadrelay\'s error message when a subscribe is refused', async () => {
    h = await new Harness({ allowPrivateTargets: false, subscriptions: () => [], server: { tokens: ZAPIER_TOKENS } }).start();
    const z = fakeZ();
    const trigger = loadTrigger('lead_created');
    const bundle = { authData: { relayUrl: h.relay.url!, token: HOOKS_TOKEN }, inputData: {}, targetUrl: 'http://10.0.0.7/hooks/catch/1/x/' };
    await expect(trigger.operation.performSubscribe(z, bundle)).rejects.toMatchObject({
      status: 400,
      code: 'target_not_allowed',
      message: expect.stringMatching(/^leadrelay: target_url: .*private/),
    });
  });
});

describe('Zapier app: the relay URL', () => {
  it('must be https (http only for 127.0.0.1): the token is never sent in clear text to another host', async () => {
    const z = fakeZ();
    const app = loadZapierApp();
    for (const relayUrl of ['http://leadrelay.example.com', 'http://10.0.0.7:8080/', 'ftp://leadrelay.example.com', 'leadrelay.example.com', '']) {
      const test = app.authentication.test(z, { authData: { relayUrl, token: HOOKS_TOKEN }, inputData: {} });
      await expect(test, relayUrl).rejects.toMatchObject({ message: expect.stringMatching(/https:\/\//) });
    }
    expect(z.calls).toEqual([]); // refused before any request
    // https anywhere, and http on this machine, go ahead (to a port where nothing listens here).
    for (const relayUrl of ['https://127.0.0.1:9', 'http://127.0.0.1:9']) {
      await expect(app.authentication.test(z, { authData: { relayUrl, token: HOOKS_TOKEN }, inputData: {} })).rejects.toThrow(/ECONNREFUSED|connect/);
    }
    expect(z.calls.map((c) => c.url)).toEqual(['https://127.0.0.1:9/v1/whoami', 'http://127.0.0.1:9/v1/whoami']);
  });
});

// ---------------------------------------------------------------------------------------------
// n8n

/** n8n's workflow export shape (the parts an import relies on). */
const n8nNode = zod.object({
  id: zod.uuid(),
  name: zod.string().min(1),
  type: zod.string().regex(/^n8n-nodes-base\.[A-Za-z0-9]+$/),
  typeVersion: zod.number().positive(),
  position: zod.tuple([zod.number(), zod.number()]),
  parameters: zod.record(zod.string(), zod.unknown()),
  credentials: zod.record(zod.string(), zod.object({ id: zod.string().min(1), name: zod.string().min(1) })).optional(),
  webhookId: zod.uuid().optional(),
  disabled: zod.boolean().optional(),
  notes: zod.string().optional(),
});
const n8nConnection = zod.object({ node: zod.string().min(1), type: zod.literal('main'), index: zod.number().int().min(0) });
const n8nWorkflow = zod
  .object({
    name: zod.string().min(1),
    nodes: zod.array(n8nNode).min(1),
    connections: zod.record(zod.string(), zod.object({ main: zod.array(zod.array(n8nConnection)) })),
    settings: zod.object({ executionOrder: zod.literal('v1') }).loose(),
    active: zod.literal(false),
    pinData: zod.record(zod.string(), zod.unknown()).optional(),
    tags: zod.array(zod.unknown()).optional(),
  })
  .superRefine((wf, ctx) => {
    const names = wf.nodes.map((n) => n.name);
    const ids = wf.nodes.map((n) => n.id);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'node names must be unique', path: ['nodes'] });
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'node ids must be unique', path: ['nodes'] });
    for (const [from, out] of Object.entries(wf.connections)) {
      if (!names.includes(from)) ctx.addIssue({ code: 'custom', message: `connection from unknown node "${from}"`, path: ['connections', from] });
      for (const c of out.main.flat()) {
        if (!names.includes(c.node)) ctx.addIssue({ code: 'custom', message: `connection to unknown node "${c.node}"`, path: ['connections', from] });
      }
    }
  });
type N8nWorkflow = zod.infer<typeof n8nWorkflow>;
type N8nNode = N8nWorkflow['nodes'][number];

function loadWorkflow(name: string): N8nWorkflow {
  const parsed = n8nWorkflow.safeParse(JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')));
  if (!parsed.success) throw new Error(`${name}: ${zod.prettifyError(parsed.error)}`);
  return parsed.data;
}

const nodeOfType = (wf: N8nWorkflow, type: string): N8nNode => {
  const found = wf.nodes.filter((n) => n.type === type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const nextNodes = (wf: N8nWorkflow, name: string, output = 0) => (wf.connections[name]?.main[output] ?? []).map((c) => c.node);

/** An n8n expression of the form ={{ $json.a.b }} applied to an item's json (all the examples use). */
function evalJsonPath(expression: unknown, json: unknown): unknown {
  const m = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)+)\s*\}\}$/.exec(String(expression));
  if (!m) throw new Error(`unsupported expression ${String(expression)}`);
  return m[1]!.slice(1).split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), json);
}

/** Which node a Switch (v3, rules mode, string equals) sends an item to. */
function routeThroughSwitch(wf: N8nWorkflow, sw: N8nNode, json: unknown): string[] {
  const rules = (sw.parameters as any).rules.values as any[];
  const index = rules.findIndex((r) =>
    (r.conditions.conditions as any[]).every((c) => {
      expect(c.operator).toMatchObject({ type: 'string', operation: 'equals' });
      return evalJsonPath(c.leftValue, json) === c.rightValue;
    }),
  );
  return index < 0 ? [] : nextNodes(wf, sw.name, index);
}

/**
 * The item n8n's Webhook node (v2) emits for a request with the "Raw Body" option: json {headers,
 * params, query, body} with Node's lower-cased headers and the parsed JSON body, and binary.data
 * holding the raw bytes base64-encoded (n8n's BINARY_ENCODING) with the request's content type.
 */
function n8nWebhookItem(r: Pick<Received, 'headers' | 'raw'>, rawBytes = Buffer.from(r.raw, 'utf8')) {
  let body: unknown = {};
  try {
    body = JSON.parse(rawBytes.toString('utf8'));
  } catch {
    // n8n would fail to parse too; the raw bytes are what counts here.
  }
  return {
    json: { headers: { ...r.headers }, params: {}, query: {}, body },
    binary: { data: { data: rawBytes.toString('base64'), mimeType: String(r.headers['content-type'] ?? 'application/json') } },
  };
}

interface CodeNodeEnv {
  env?: Record<string, string>;
  /** Simulates N8N_BLOCK_ENV_ACCESS_IN_NODE=true: reading $env throws. */
  envBlocked?: boolean;
  vars?: Record<string, string>;
  /** n8n's default (no NODE_FUNCTION_ALLOW_BUILTIN): require of any module throws. */
  requireBlocked?: boolean;
}

/**
 * Runs a Code node's JavaScript ("Run Once for All Items") the way n8n does: the code is the body of
 * an async function called with `this.helpers`, with $input, $env, $vars and a require limited to
 * NODE_FUNCTION_ALLOW_BUILTIN=crypto in scope.
 */
async function runCodeNode(code: string, items: Array<ReturnType<typeof n8nWebhookItem>>, opts: CodeNodeEnv = {}) {
  const $env = opts.envBlocked
    ? new Proxy({}, { get: () => { throw new Error('access to env vars denied'); } })
    : { ...(opts.env ?? {}) };
  const context = vm.createContext({
    $input: { all: () => items, first: () => items[0], last: () => items.at(-1), item: items[0] },
    $json: items[0]?.json,
    items,
    $env,
    $vars: { ...(opts.vars ?? {}) },
    require: (id: string) => {
      if (opts.requireBlocked) throw new Error(`Module '${id}' is disallowed`);
      if (id === 'crypto' || id === 'node:crypto') return nodeCrypto;
      throw new Error(`Cannot find module '${id}' [line 1]`);
    },
    Buffer,
    console,
  });
  const helpers = {
    // n8n: binary data kept in a store has an id; inline data (as the Webhook node emits it) is base64.
    async getBinaryDataBuffer(itemIndex: number, property: string): Promise<Buffer> {
      const bin = (items[itemIndex]?.binary as Record<string, { data: string }> | undefined)?.[property];
      if (!bin) throw new Error(`no binary property "${property}" on item ${itemIndex}`);
      return Buffer.from(bin.data, 'base64');
    },
  };
  const fn = vm.runInContext(`(async function () {\n${code}\n})`, context) as (this: unknown) => Promise<unknown>;
  return (await fn.call({ helpers })) as Array<{ json: any; pairedItem?: unknown }>;
}

/** A webhook the relay really sent and signed, as received by a subscriber. */
async function captureSignedWebhook(): Promise<{ received: Received; secret: string }> {
  const secret = generateSecret();
  const receiver = await subscriber(secret);
  h = await new Harness({ subscriptions: () => [] }).start();
  const sub = await h.api('POST', '/v1/subscriptions', { url: receiver.url, secret });
  expect(sub.status).toBe(201);
  const lead = h.apten.createLead({ firstName: 'Zoë', lastName: "O'Brien" }); // non-ASCII: bytes, not characters, are signed
  await h.sync();
  await waitFor(() => receiver.accepted.length === 1, { what: 'a signed webhook' });
  const received = receiver.received[0]!;
  expect(received.body.data.lead.id).toBe(lead.id);
  return { received, secret };
}

describe('n8n workflow: signature verified in a Code node (examples/n8n-leadrelay-workflow.json)', () => {
  const wf = loadWorkflow('n8n-leadrelay-workflow.json');
  const webhook = nodeOfType(wf, 'n8n-nodes-base.webhook');
  const codeNode = nodeOfType(wf, 'n8n-nodes-base.code');
  const sw = nodeOfType(wf, 'n8n-nodes-base.switch');
  const code = String(codeNode.parameters.jsCode);

  it('is a Webhook (POST, raw body) -> Code -> Switch on type workflow of current node versions', () => {
    expect(webhook).toMatchObject({ typeVersion: 2, webhookId: expect.any(String) });
    expect(webhook.parameters).toMatchObject({ httpMethod: 'POST', path: 'leadrelay', options: { rawBody: true } });
    expect(['onReceived', 'lastNode']).toContain(webhook.parameters.responseMode);
    expect(codeNode.typeVersion).toBe(2);
    expect(codeNode.parameters.mode ?? 'runOnceForAllItems').toBe('runOnceForAllItems');
    expect(codeNode.parameters.language ?? 'javaScript').toBe('javaScript');
    expect(sw.typeVersion).toBe(3);
    expect(nextNodes(wf, webhook.name)).toEqual([codeNode.name]);
    expect(nextNodes(wf, codeNode.name)).toEqual([sw.name]);
    const routed = ((sw.parameters as any).rules.values as any[]).map((r) => r.conditions.conditions[0].rightValue);
    for (const type of EVENT_TYPES) expect(routed).toContain(type);
    expect(code).toMatch(/require\('crypto'\)/);
    expect(code).toMatch(/\$env\.LEADRELAY_SECRET/);
  });

  it('accepts a real signed webhook from the relay and routes it by type', async () => {
    const { received, secret } = await captureSignedWebhook();
    const out = await runCodeNode(code, [n8nWebhookItem(received)], { env: { LEADRELAY_SECRET: secret } });
    expect(out).toHaveLength(1);
    expect(out[0]!.json).toEqual({
      webhookId: received.id,
      type: 'lead.created',
      timestamp: received.body.timestamp,
      data: received.body.data,
    });
    expect(out[0]!.json.data.lead.firstName).toBe('Zoë');
    expect(routeThroughSwitch(wf, sw, out[0]!.json)).toEqual(['On lead.created']);

    // The secret from an n8n Variable, with $env blocked (n8n 2.x default).
    const viaVars = await runCodeNode(code, [n8nWebhookItem(received)], { envBlocked: true, vars: { LEADRELAY_SECRET: secret } });
    expect(viaVars[0]!.json.webhookId).toBe(received.id);

    // During a secret rotation: two signatures, only one of them by this secret.
    const rotated = { ...received, headers: { ...received.headers, 'webhook-signature': `${signatureHeader([generateSecret()], received.id, received.timestamp, received.raw)} ${received.signature}` } };
    expect((await runCodeNode(code, [n8nWebhookItem(rotated)], { env: { LEADRELAY_SECRET: secret } }))[0]!.json.type).toBe('lead.created');
  });

  it('rejects a tampered body, a stale or future timestamp, a wrong secret and a missing raw body', async () => {
    const { received, secret } = await captureSignedWebhook();
    const env = { env: { LEADRELAY_SECRET: secret } };

    const tampered = Buffer.from(received.raw.replace('"lead.created"', '"lead.deleted"'), 'utf8');
    expect(tampered.equals(Buffer.from(received.raw, 'utf8'))).toBe(false);
    await expect(runCodeNode(code, [n8nWebhookItem(received, tampered)], env)).rejects.toThrow(/Invalid webhook signature/);
    // One flipped byte anywhere is enough.
    const flipped = Buffer.from(received.raw, 'utf8');
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 2) ^ 1, flipped.length - 2);
    await expect(runCodeNode(code, [n8nWebhookItem(received, flipped)], env)).rejects.toThrow(/Invalid webhook signature/);

    // Correctly signed, but outside the 5-minute window (a replay of an old capture, or a skewed clock).
    for (const offset of [-6 * 60, 6 * 60]) {
      const ts = Math.floor(Date.now() / 1000) + offset;
      const old = {
        ...received,
        headers: { ...received.headers, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([secret], received.id, ts, received.raw) },
      };
      await expect(runCodeNode(code, [n8nWebhookItem(old)], env)).rejects.toThrow(/webhook-timestamp/);
    }
    // Inside the window, the same re-signing is accepted: it is the timestamp that was refused above.
    const ts = Math.floor(Date.now() / 1000) - 4 * 60;
    const recent = { ...received, headers: { ...received.headers, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([secret], received.id, ts, received.raw) } };
    expect(await runCodeNode(code, [n8nWebhookItem(recent)], env)).toHaveLength(1);
    // The signature covers the timestamp: the original signature with another timestamp fails.
    const moved = { ...received, headers: { ...received.headers, 'webhook-timestamp': String(received.timestamp + 1) } };
    await expect(runCodeNode(code, [n8nWebhookItem(moved)], env)).rejects.toThrow(/Invalid webhook signature/);

    await expect(runCodeNode(code, [n8nWebhookItem(received)], { env: { LEADRELAY_SECRET: generateSecret() } })).rejects.toThrow(
      /Invalid webhook signature/,
    );
    await expect(runCodeNode(code, [n8nWebhookItem(received)], {})).rejects.toThrow(/LEADRELAY_SECRET is not set/);
    const noRaw = { ...n8nWebhookItem(received), binary: undefined } as unknown as ReturnType<typeof n8nWebhookItem>;
    await expect(runCodeNode(code, [noRaw], env)).rejects.toThrow(/Raw Body/);
    const unsigned = { ...received, headers: { ...received.headers, 'webhook-signature': undefined } } as unknown as Received;
    await expect(runCodeNode(code, [n8nWebhookItem(unsigned)], env)).rejects.toThrow(/webhook-signature header missing/);
  });
});

describe('n8n workflow under n8n 2.x defaults (issue #12: $env blocked, the circuit opened)', () => {
  const wf = loadWorkflow('n8n-leadrelay-workflow.json');
  const code = String(nodeOfType(wf, 'n8n-nodes-base.code').parameters.jsCode);
  const DEFAULTS: CodeNodeEnv = { envBlocked: true, requireBlocked: true, vars: {} };

  /** What the sticky note asks: paste the secret into the Code node's LEADRELAY_SECRET constant. */
  function withPastedSecret(secret: string): string {
    const placeholder = "const LEADRELAY_SECRET = '';";
    expect(code.split(placeholder)).toHaveLength(2);
    return code.replace(placeholder, `const LEADRELAY_SECRET = '${secret}';`);
  }

  it('verifies a real signed webhook with the secret pasted into the Code node: no $env, no Variables, no modules', async () => {
    const { received, secret } = await captureSignedWebhook();
    const pasted = withPastedSecret(secret);
    const out = await runCodeNode(pasted, [n8nWebhookItem(received)], DEFAULTS);
    expect(out.map((o) => [o.json.webhookId, o.json.type])).toEqual([[received.id, 'lead.created']]);
    expect(out[0]!.json.data.lead.firstName).toBe('Zoë');

    const tampered = Buffer.from(received.raw.replace('"lead.created"', '"lead.deleted"'), 'utf8');
    await expect(runCodeNode(pasted, [n8nWebhookItem(received, tampered)], DEFAULTS)).rejects.toThrow(/Invalid webhook signature/);
    await expect(runCodeNode(withPastedSecret(generateSecret()), [n8nWebhookItem(received)], DEFAULTS)).rejects.toThrow(/Invalid webhook signature/);
    // Nothing pasted and nothing else allowed: the error says where to put the secret.
    await expect(runCodeNode(code, [n8nWebhookItem(received)], DEFAULTS)).rejects.toThrow(/LEADRELAY_SECRET is not set: paste/);
    // The pasted secret wins over an environment variable.
    expect(await runCodeNode(pasted, [n8nWebhookItem(received)], { env: { LEADRELAY_SECRET: generateSecret() } })).toHaveLength(1);
  });

  it('its own HMAC-SHA256 (used when crypto may not be loaded) agrees with Node\'s for bodies across block boundaries', async () => {
    const secret = generateSecret();
    const pasted = withPastedSecret(secret);
    const now = Math.floor(Date.now() / 1000);
    const items = [];
    // SHA-256 pads to 64-byte blocks: bodies of every length over a few blocks cross each edge case.
    for (let pad = 0; pad < 200; pad++) {
      const raw = JSON.stringify({ type: 'lead.updated', timestamp: 'x', data: { pad: 'é'.repeat(pad % 7) + 'x'.repeat(pad) } });
      const id = `evt_${String(pad).padStart(26, '0')}`;
      items.push(n8nWebhookItem({ raw, headers: { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signatureHeader([secret], id, now, raw) } }));
    }
    const out = await runCodeNode(pasted, items, DEFAULTS);
    expect(out).toHaveLength(items.length);
    // And a signature by another key is refused by the same code.
    const other = generateSecret();
    const raw = '{"type":"lead.created","timestamp":"x","data":{}}';
    const forged = n8nWebhookItem({ raw, headers: { 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': signatureHeader([other], 'evt_1', now, raw) } });
    await expect(runCodeNode(pasted, [forged], DEFAULTS)).rejects.toThrow(/Invalid webhook signature/);
  });

  it('the sticky note tells the default-friendly way first and still documents the env variant', () => {
    const note = String(wf.nodes.find((n) => n.type === 'n8n-nodes-base.stickyNote')!.parameters.content);
    expect(note).toMatch(/paste/i);
    expect(note).toMatch(/N8N_BLOCK_ENV_ACCESS_IN_NODE=false/);
    expect(note).not.toMatch(/Allow `crypto`/);
  });
});

describe('n8n workflow: Header Auth (examples/n8n-leadrelay-header-auth-workflow.json)', () => {
  const wf = loadWorkflow('n8n-leadrelay-header-auth-workflow.json');
  const webhook = nodeOfType(wf, 'n8n-nodes-base.webhook');
  const sw = nodeOfType(wf, 'n8n-nodes-base.switch');

  it('is a Webhook with Header Auth -> Switch on body.type workflow', () => {
    expect(webhook.typeVersion).toBe(2);
    expect(webhook.parameters).toMatchObject({ httpMethod: 'POST', authentication: 'headerAuth' });
    expect(webhook.credentials?.httpHeaderAuth).toBeDefined();
    expect(sw.typeVersion).toBe(3);
    expect(nextNodes(wf, webhook.name)).toEqual([sw.name]);
    expect(wf.nodes.some((n) => n.type === 'n8n-nodes-base.code')).toBe(false);
  });

  it('receives the subscription\'s static header, which the Header Auth credential checks', async () => {
    const token = randomBytes(24).toString('hex');
    const receiver = await subscriber();
    h = await new Harness({ subscriptions: () => [] }).start();
    const sub = await h.api('POST', '/v1/subscriptions', { url: receiver.url, secret: receiver.secret, headers: { 'X-Leadrelay-Token': token } });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect(JSON.stringify(sub.body)).not.toContain(token); // masked in the API
    const lead = h.apten.createLead();
    await h.sync();
    await waitFor(() => receiver.accepted.length === 1, { what: 'a webhook with the header' });
    const r = receiver.received[0]!;

    // n8n's Header Auth: the credential's header name, lower-cased, must carry exactly its value (else 403).
    const credential = { name: 'X-Leadrelay-Token', value: token };
    const headerAuthPasses = (headers: Record<string, unknown>) => headers[credential.name.toLowerCase()] === credential.value;
    expect(headerAuthPasses(r.headers)).toBe(true);
    expect(headerAuthPasses({ ...r.headers, 'x-leadrelay-token': createHash('sha256').update(token).digest('hex') })).toBe(false);

    const item = n8nWebhookItem(r);
    expect(routeThroughSwitch(wf, sw, item.json)).toEqual(['On lead.created']);
    expect(item.json.body).toMatchObject({ type: 'lead.created', data: { lead: { id: lead.id } } });
    for (const type of EVENT_TYPES) expect(routeThroughSwitch(wf, sw, { body: { type } })).toEqual([`On ${type}`]);
  });
});

describe('n8n workflow: only won leads, filtered by leadrelay (examples/n8n-leadrelay-won-workflow.json)', () => {
  const wf = loadWorkflow('n8n-leadrelay-won-workflow.json');
  const webhook = nodeOfType(wf, 'n8n-nodes-base.webhook');
  const codeNode = nodeOfType(wf, 'n8n-nodes-base.code');
  const note = String(nodeOfType(wf, 'n8n-nodes-base.stickyNote').parameters.content);
  /** The subscription the sticky note tells the user to create (its ```json block). */
  const subscriptionBody = () => JSON.parse(/```json\n([^`]+)\n```/.exec(note)![1]!);

  it('is Webhook -> Verify signature -> Lead won: no IF, Filter or Switch node; the same verifying code as the main workflow', () => {
    expect(wf.nodes.map((n) => n.type).filter((t) => /\.(if|filter|switch)$/.test(t))).toEqual([]);
    expect(nextNodes(wf, webhook.name)).toEqual([codeNode.name]);
    expect(nextNodes(wf, codeNode.name)).toEqual(['Lead won']);
    expect(webhook.parameters).toMatchObject({ httpMethod: 'POST', path: 'leadrelay-won', options: { rawBody: true } });
    const main = loadWorkflow('n8n-leadrelay-workflow.json');
    expect(codeNode.parameters.jsCode).toBe(nodeOfType(main, 'n8n-nodes-base.code').parameters.jsCode);
    expect(subscriptionBody()).toMatchObject({ events: ['lead.updated'], filter: { 'data.lead.status': { $to: 'won' } } });
  });

  it('with the subscription of its note, gets only the leads that just became won, each verified by its Code node', async () => {
    const mega = new MegaSimulator({ rateLimits: [] });
    const ids = mega.seed(6);
    for (const id of ids) mega.updateLead(id, { status: 'active' });
    h = await new Harness({ sim: mega, subscriptions: () => [], source: { fullScanEvery: 1, rateLimits: [] } }).start();
    const receiver = await subscriber();
    const res = await h.api('POST', '/v1/subscriptions', { ...subscriptionBody(), url: receiver.url });
    expect(res.status).toBe(201);
    receiver.secret = res.body.secret;
    const [won1, won2, lost, other] = ids as [string, string, string, string];
    mega.updateLead(won1, { status: 'won' });
    mega.updateLead(won2, { status: 'won' });
    mega.updateLead(lost, { status: 'lost' });
    mega.updateLead(other, { contact_name: 'Someone Else' });
    await h.sync();
    await h.waitIdle();
    mega.updateLead(won1, { status: 'archived' }); // was won: not "just became won"
    await h.sync();
    await h.waitIdle();
    expect(receiver.received.map((r) => r.body.data.lead.id).sort()).toEqual([won1, won2].sort());
    const code = String(codeNode.parameters.jsCode);
    const out = await runCodeNode(code, receiver.received.map((r) => n8nWebhookItem(r)), { env: { LEADRELAY_SECRET: receiver.secret } });
    expect(out.map((o) => [o.json.type, o.json.data.lead.status, o.json.data.previous.status])).toEqual([
      ['lead.updated', 'won', 'active'],
      ['lead.updated', 'won', 'active'],
    ]);
    expect(out.every((o) => o.json.data.lead.raw === undefined)).toBe(true); // payload {raw: false}
    expect((await h.api('GET', `/v1/subscriptions/${res.body.id}`)).body.filteredCount).toBeGreaterThanOrEqual(3);
  });
});
