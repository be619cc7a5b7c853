// delivery.allowPrivateTargets: false keeps webhooks off loopback, private and metadata addresses,
// both when a URL is saved and when a connection is opened.
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryAgent, isPrivateAddress } from '../src/delivery/target-safety.js';
import { sendWebhook } from '../src/delivery/send.js';
import { generateSecret } from '../src/delivery/sign.js';
import { formatProblem, validateConfig } from '../src/config/index.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

let h: Harness;
afterEach(async () => h?.stop());

/** The first recorded attempt of a subscription's first delivery. */
async function waitForAttempt(subscriptionId: string) {
  return waitFor(async () => {
    const res = await h.api('GET', `/v1/subscriptions/${subscriptionId}/deliveries`);
    return res.body.data[0]?.attemptLog[0];
  }, { what: `an attempt for ${subscriptionId}` });
}

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '127.5.5.5', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '[::1]',
  ])('blocks %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );

  // IPv6 forms that embed an IPv4 address or are not global unicast: only 2000::/3 (minus its special
  // blocks, and 6to4 judged by its IPv4) may be reached.
  it.each([
    '::127.0.0.1', '::7f00:1', // IPv4-compatible (::/96)
    '::8.8.8.8', // deprecated IPv4-compatible, even for a public IPv4
    '::ffff:0:127.0.0.1', '::ffff:0:7f00:1', // SIIT IPv4-translated (::ffff:0:0:0/96)
    '2002:7f00:1::', '2002:a00:1::1', '2002:a9fe:a9fe::', '2002:c0a8:101::', // 6to4 of 127.0.0.1, 10.0.0.1, 169.254.169.254, 192.168.1.1
    '64:ff9b:1::7f00:1', '64:ff9b::7f00:1', // NAT64 local-use and well-known prefix
    'fec0::1', // site-local
    '100::1', // discard-only
    '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo (IETF protocol assignments, 2001::/23)
    '2001:db8::1', '3fff::1', // documentation
    '4000::1', 'e000::1', // outside 2000::/3
    'fe80::1%eth0', // with a zone
  ])('blocks %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(['2a00:1450:4001:82b::200e', '2002:808:808::1', '::ffff:93.184.216.34', '2001:200::1'])('allows %s', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

/** IPv6 literals from issue #12 that reach loopback or private space one way or another. */
const EMBEDDED_V4_URLS = [
  'http://[::127.0.0.1]/hook',
  'http://[::ffff:0:127.0.0.1]/hook',
  'http://[2002:7f00:1::]/hook',
  'http://[64:ff9b:1::7f00:1]/hook',
  'http://[fec0::1]/hook',
  'http://[100::1]/hook',
];

describe('allowPrivateTargets: false', () => {
  it('refuses private URLs at creation (400, nothing stored) and accepts public ones', async () => {
    h = await new Harness({ allowPrivateTargets: false, subscriptions: () => [] }).start();
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://[::1]/hook',
      'http://localhost/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.5/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/',
      ...EMBEDDED_V4_URLS,
    ]) {
      const res = await h.api('POST', '/v1/subscriptions', { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('target_not_allowed');
      expect(res.body.error.details[0].field).toBe('url');
    }
    expect((await h.api('GET', '/v1/subscriptions')).body.data).toEqual([]);

    const ok = await h.api('POST', '/v1/subscriptions', { url: 'https://93.184.216.34/hook' });
    expect(ok.status).toBe(201);
    const moved = await h.api('PATCH', `/v1/subscriptions/${ok.body.id}`, { url: 'http://192.168.0.10/x' });
    expect(moved.status).toBe(400);
    expect((await h.api('GET', `/v1/subscriptions/${ok.body.id}`)).body.url).toBe('https://93.184.216.34/hook');
  });

  it('checks again at connect time: the delivery agent refuses a literal loopback IP and a name resolving to one', async () => {
    const sub = await new TestSubscriber(generateSecret()).start();
    const agent = createDeliveryAgent({ allowPrivate: false });
    try {
      for (const url of [sub.url, sub.url.replace('127.0.0.1', 'localhost')]) {
        const result = await sendWebhook({ url, headers: {}, body: '{}', timeoutMs: 2000, dispatcher: agent });
        expect(result.statusCode, url).toBeNull();
        expect(result.error).toMatch(/ETARGETNOTALLOWED: .*(127\.0\.0\.1|::1).*allowPrivateTargets/);
      }
      expect(sub.received).toEqual([]);
      // The same agent with private targets allowed reaches it.
      const open = createDeliveryAgent({ allowPrivate: true });
      const ok = await sendWebhook({ url: sub.url, headers: {}, body: '{}', timeoutMs: 2000, dispatcher: open });
      expect(ok.statusCode).toBe(401); // reached; unsigned, so the subscriber refuses it
      await open.close();
    } finally {
      await agent.close();
      await sub.close();
    }
  });

  it('the running relay delivers through the guarded agent: saved URLs that lead to loopback get nothing', async () => {
    // Saved while private targets were allowed; then the operator turns the guard on. What the relay
    // checks when a URL is saved no longer applies, so only the agent the relay built for sending can
    // refuse them: at connect time, for a literal IP and for a host name resolved then (as a public
    // name re-pointed at 127.0.0.1 by DNS would be).
    h = await new Harness({ allowPrivateTargets: true, subscriptions: () => [] }).start();
    const receiver = await new TestSubscriber(generateSecret()).start();
    try {
      const urls = [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')];
      const ids: string[] = [];
      for (const url of urls) {
        const res = await h.api('POST', '/v1/subscriptions', { url, secret: receiver.secret });
        expect(res.status, url).toBe(201);
        ids.push(res.body.id);
      }
      h.config.delivery.allowPrivateTargets = false;
      await h.restartRelay();

      h.apten.createLead();
      await h.sync();
      for (const id of ids) {
        const failed = await waitForAttempt(id);
        expect(failed.statusCode).toBeNull();
        expect(failed.error).toMatch(/ETARGETNOTALLOWED: .*(127\.0\.0\.1|::1).*allowPrivateTargets/);
      }
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('the delivery agent refuses every IPv6 form that embeds a private IPv4 or is not global unicast', async () => {
    const agent = createDeliveryAgent({ allowPrivate: false });
    try {
      for (const url of EMBEDDED_V4_URLS) {
        const result = await sendWebhook({ url, headers: {}, body: '{}', timeoutMs: 2000, dispatcher: agent });
        expect(result.statusCode, url).toBeNull();
        expect(result.error, url).toMatch(/^ETARGETNOTALLOWED: .*allowPrivateTargets/);
      }
    } finally {
      await agent.close();
    }
  });

  it('rejects a config subscription on a private address before anything starts', () => {
    const result = validateConfig({
      server: { adminToken: 'target-safety-admin-token-0123' },
      subscriptions: [
        { id: 'a', url: 'http://127.0.0.1:9000/hook' },
        { id: 'b', url: 'http://localhost/hook' },
        { id: 'c', url: 'https://hooks.example.com/hook' },
        { id: 'd', url: 'http://[::127.0.0.1]/hook' },
        { id: 'e', url: 'http://[2002:7f00:1::]/hook' },
      ],
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map(formatProblem);
    expect(problems).toEqual(
      [0, 1, 3, 4].map((i) => `subscriptions[${i}].url: is a private or loopback address; set delivery.allowPrivateTargets: true to allow it`),
    );
    const allowed = validateConfig({
      server: { adminToken: 'target-safety-admin-token-0123' },
      subscriptions: [{ id: 'a', url: 'http://127.0.0.1:9000/hook' }],
      delivery: { allowPrivateTargets: true },
    });
    expect(allowed.ok).toBe(true);
  });
});

describe('TLS', () => {
  it('always verifies certificates: a self-signed subscriber gets nothing, the attempt records why', async () => {
    const { createServer } = await import('node:https');
    const { readFileSync } = await import('node:fs');
    let hits = 0;
    const fixtures = new URL('./fixtures/', import.meta.url);
    const server = createServer(
      { key: readFileSync(new URL('self-signed.key', fixtures)), cert: readFileSync(new URL('self-signed.crt', fixtures)) },
      (_req, res) => {
        hits++;
        res.writeHead(204).end();
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const agent = createDeliveryAgent({ allowPrivate: true });
    try {
      const result = await sendWebhook({ url: `https://127.0.0.1:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2000, dispatcher: agent });
      expect(result.statusCode).toBeNull();
      expect(result.error).toMatch(/SELF_SIGNED|self[- ]signed|certificate/i);
      expect(hits).toBe(0);
    } finally {
      await agent.close();
      server.close();
    }
  });
});
