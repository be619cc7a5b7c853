// Static subscription headers: a name or value that undici would refuse on every attempt
// (UND_ERR_INVALID_ARG) is refused when it is saved instead, through the API and in the config,
// with an error naming the header and never echoing its value.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { formatProblem, subscriptionHeadersSchema, validateConfig } from '../src/config/index.js';
import { sendWebhook } from '../src/delivery/send.js';
import { generateSecret } from '../src/delivery/sign.js';
import { createDeliveryAgent } from '../src/delivery/target-safety.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

// A plain local server, so undici's own checks decide: a request it accepts gets a 204.
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Whether undici sends a request with this header, or throws UND_ERR_INVALID_ARG as a delivery would. */
// A client per question: undici keeps a connection for every request it refuses (see below).
async function undiciSends(name: string, value: string): Promise<boolean> {
  const client = new Client(url);
  try {
    const res = await client.request({ method: 'POST', path: '/', body: '{}', headers: { [name]: value } });
    await res.body.dump();
    return true;
  } catch (err) {
    expect((err as { code?: string }).code, `${name}: ${JSON.stringify(value)}`).toBe('UND_ERR_INVALID_ARG');
    return false;
  } finally {
    await client.destroy();
  }
}

const accepts = (headers: Record<string, string>) => subscriptionHeadersSchema.safeParse(headers).success;

// Every code point up to U+02FF, the edges of the BMP and beyond it.
const CODE_POINTS = [...Array.from({ length: 0x300 }, (_, i) => i), 0x20ac, 0x2028, 0xfeff, 0xfffd, 0x1f600];

describe('header rules match what undici can send', () => {
  it('a value is accepted exactly when undici sends it (control characters and anything above U+00FF refused)', async () => {
    const mismatches: string[] = [];
    for (const cp of CODE_POINTS) {
      const value = `ab${String.fromCodePoint(cp)}cd`;
      const sends = await undiciSends('x-token', value);
      if (accepts({ 'X-Token': value }) !== sends) mismatches.push(`U+${cp.toString(16).padStart(4, '0')} (undici ${sends ? 'sends' : 'refuses'})`);
    }
    expect(mismatches).toEqual([]);
    // The classes, spelled out: HTAB and U+0080..U+00FF (obs-text, sent as Latin-1) go through, the
    // rest of C0, DEL and everything above U+00FF do not.
    expect(accepts({ 'X-Token': 'a\tb' })).toBe(true);
    expect(accepts({ 'X-Token': 'café' })).toBe(true);
    for (const bad of ['a\x01b', 'a\x7fb', 'a€b', 'a😀b']) expect(accepts({ 'X-Token': bad }), JSON.stringify(bad)).toBe(false);
  });

  it('a name is accepted exactly when undici sends it (RFC 9110 token characters)', async () => {
    const mismatches: string[] = [];
    for (const cp of CODE_POINTS.slice(0, 0x180)) {
      const name = `x-${String.fromCodePoint(cp)}`;
      const sends = await undiciSends(name, 'v');
      if (accepts({ [name]: 'v' }) !== sends) mismatches.push(`U+${cp.toString(16).padStart(4, '0')} (undici ${sends ? 'sends' : 'refuses'})`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('refused when saved, naming the header', () => {
  it('API: 400 naming the header and why, the value not echoed, nothing stored or changed', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const target = 'https://93.184.216.34/hook';
    for (const [value, why] of [
      ['Bearer s3cr3t\u20ac', /above U\+00FF/],
      ['Bearer s3cr3t\x01', /control character/],
      ['Bearer s3cr3t\x7f', /control character/],
    ] as const) {
      const res = await h.api('POST', '/v1/subscriptions', { url: target, headers: { 'X-Good': 'fine', Authorization: value } });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details).toEqual([{ field: 'headers.Authorization', message: expect.stringMatching(why) }]);
      expect(res.body.error.message).toMatch(/^headers\.Authorization: /);
      expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
    }
    expect((await h.api('GET', '/v1/subscriptions')).body.data).toEqual([]);

    const created = await h.api('POST', '/v1/subscriptions', { url: target, headers: { 'X-Api-Key': 'k\tcafé' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const patch = await h.api('PATCH', `/v1/subscriptions/${created.body.id}`, { headers: { 'X-Api-Key': 'new\u2028value' } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details[0].field).toBe('headers.X-Api-Key');
    expect((await h.api('GET', `/v1/subscriptions/${created.body.id}`)).body.headers).toEqual(created.body.headers);
    expect((await h.relay.store.subscriptions.get(created.body.id))!.headers).toEqual({ 'X-Api-Key': 'k\tcafé' });
  });

  it('config: the same rule, the problem naming subscriptions[i].headers.<name>', () => {
    const result = validateConfig({
      server: { adminToken: 'config-test-admin-token-0123456' },
      subscriptions: [
        { id: 'ok', url: 'https://hooks.example.com/a', headers: { 'X-Key': 'café\tok' } },
        { id: 'euro', url: 'https://hooks.example.com/b', headers: { 'X-Key': 'price-in-€' } },
        { id: 'bell', url: 'https://hooks.example.com/c', headers: { 'X-Key': 'ding\x07' } },
      ],
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map(formatProblem);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^subscriptions\[1\]\.headers\.X-Key: .*above U\+00FF/);
    expect(problems[1]).toMatch(/^subscriptions\[2\]\.headers\.X-Key: .*control character/);
    expect(problems.join('\n')).not.toContain('price-in');
  });
});

describe('a header saved before these rules (already in the database) cannot jam delivery', () => {
  // undici 7 keeps a pool connection for every request it refuses over a header, and a request
  // waiting for a connection ignores its abort signal: once `connections` (64) such attempts were
  // made, every webhook to that origin (every subscription on hooks.zapier.com, say) hung for good.
  it('sendWebhook refuses it before undici sees it; the next webhook to that origin goes through', async () => {
    const sub = await new TestSubscriber(generateSecret()).start();
    const agent = createDeliveryAgent({ allowPrivate: true });
    try {
      const sends = async () => {
        for (let i = 0; i < 70; i++) {
          const bad = await sendWebhook({ url: sub.url, headers: { 'X-Token': 'a\u20acb' }, body: '{}', timeoutMs: 2000, dispatcher: agent });
          expect(bad.statusCode).toBeNull();
          expect(bad.error).toMatch(/^invalid header X-Token: .*above U\+00FF/);
        }
        return sendWebhook({ url: sub.url, headers: {}, body: '{}', timeoutMs: 2000, dispatcher: agent });
      };
      // Generous: the 71 requests take well under a second; the jammed pool never answers.
      const ok = await Promise.race([sends(), new Promise<string>((r) => setTimeout(() => r('still waiting after 15 s'), 15_000).unref())]);
      expect(ok).toMatchObject({ statusCode: 401 }); // reached; unsigned, so the subscriber refuses it
    } finally {
      agent.destroy();
      await sub.close();
    }
  });

  it('the worker records the failed attempts with the reason and keeps delivering to the other subscriptions', async () => {
    h = await new Harness({ retrySchedule: [] }).start();
    const { store } = h.relay;
    // As an older relay stored it: straight into the table, past today's save-time checks.
    const all = (await store.subscriptions.get('all'))!;
    await store.subscriptions.insertWithinLimit({ ...all, id: 'legacy', origin: 'api', headers: { 'X-Token': 'ding\x07' } }, 100);
    h.apten.createLead();
    await h.sync();
    await waitFor(() => h!.sub.accepted.length === 1, { timeoutMs: 15_000, what: 'the webhook to the good subscription' });
    await h.waitIdle();
    const [failed] = (await h.api('GET', '/v1/subscriptions/legacy/deliveries')).body.data;
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
    expect(failed.lastError).toMatch(/^invalid header X-Token: .*control character/);
    expect(h.sub.received.every((r) => r.headers['x-token'] === undefined)).toBe(true);
  });
});
