// Issue #8 item 3, subscriber faults: every way a receiver can misbehave at the network level (refused,
// reset, hang, trickling or huge bodies, bad TLS, redirects, 429 + Retry-After, 410), all at once,
// beside one healthy subscriber. Promises: the retry schedule is followed and each attempt's error
// names the problem, the healthy subscriber is never held back, and once the faulty ones heal they get
// every event, with the same webhook-id on every attempt. Plain 500s, a plain timeout and the
// single-subscriber cases live in delivery.test.ts and delivery-control.test.ts.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_EXCERPT_BYTES } from '../src/delivery/send.js';
import { generateSecret } from '../src/delivery/sign.js';
import { Harness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

// Long enough that an answer is never cut short on a loaded 2-core machine (at 500 ms, every attempt
// of every fault once timed out under load), short enough for the hanging faults to fail quickly.
const TIMEOUT_MS = 2_000;
/** Delays after each failed attempt: increasing, so each attempt's wait shows which entry it used. */
// Long enough (~30 s) that the receiver failing fastest (refused) is still retrying when the slowest
// ones (hang, slow body: a timeout per attempt) have failed twice per event and all are healed.
const SCHEDULE_MS = [100, 300, ...Array<number>(58).fill(500)];
const RETRY_AFTER_S = 1;
const HUGE_BYTES = 50 * 1024 * 1024;
const FAULTY_ATTEMPTS_BEFORE_HEALING = 2;

type FaultKind =
  | 'refused'
  | 'reset-mid-request'
  | 'reset-mid-response'
  | 'hang'
  | 'slow-body'
  | 'huge-body'
  | 'self-signed-tls'
  | 'redirect'
  | 'retry-after'
  | 'gone';

interface Fault {
  kind: FaultKind;
  /** What every failed attempt's recorded error must say. */
  error: RegExp;
  /** The recorded status code of a failed attempt (null: no HTTP response at all). */
  statusCode: number | null;
  /** The fault is answered by our handler (so the relay's requests can be counted there). */
  reachesHandler: boolean;
}

const FAULTS: Fault[] = [
  { kind: 'refused', error: /ECONNREFUSED/, statusCode: null, reachesHandler: false },
  { kind: 'reset-mid-request', error: /ECONNRESET|UND_ERR_SOCKET|other side closed|socket hang up/i, statusCode: null, reachesHandler: true },
  // The receiver said 200, then the connection died before the body was complete: not a success.
  { kind: 'reset-mid-response', error: /response body/i, statusCode: 200, reachesHandler: true },
  { kind: 'hang', error: new RegExp(`^timed out after ${TIMEOUT_MS} ms$`), statusCode: null, reachesHandler: true },
  // Headers arrive at once, the body a byte at a time: the per-attempt timeout covers the whole response.
  { kind: 'slow-body', error: new RegExp(`timed out after ${TIMEOUT_MS} ms.*response body`), statusCode: 200, reachesHandler: true },
  { kind: 'huge-body', error: /^HTTP 500$/, statusCode: 500, reachesHandler: true },
  { kind: 'self-signed-tls', error: /SELF_SIGNED|self[- ]signed|certificate/i, statusCode: null, reachesHandler: false },
  { kind: 'redirect', error: /^HTTP 307: redirects are not followed$/, statusCode: 307, reachesHandler: true },
  { kind: 'retry-after', error: /^HTTP 429$/, statusCode: 429, reachesHandler: true },
  { kind: 'gone', error: /^HTTP 410$/, statusCode: 410, reachesHandler: true },
];

const tlsFixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * A receiver that misbehaves in one way until healed, then verifies and accepts like a real one.
 * It counts every request by webhook-id, so retries can be matched against the relay's attempt log.
 */
class FaultySubscriber {
  readonly secret = generateSecret();
  healed = false;
  /** webhook-id of every request that reached the handler, in arrival order. */
  readonly requests: string[] = [];
  /** Raw bodies the healed receiver verified and answered 2xx, by webhook-id. */
  readonly accepted = new Map<string, string[]>();
  /** Bytes the huge-body responses had handed to the socket when the relay hung up. */
  readonly hugeBytesSent: number[] = [];
  /** Requests that arrived at the redirect's target: must stay 0. */
  redirectTargetHits = 0;
  private readonly servers: Server[] = [];
  private port = 0;
  private plainUrl = '';
  /** The URL the subscription is created with (the faulty one). */
  url = '';
  subscriptionId = '';

  constructor(readonly fault: Fault) {}

  async start(): Promise<this> {
    const plain = createHttpServer((req, res) => this.handle(req, res));
    this.servers.push(plain);
    this.port = await listen(plain);
    this.plainUrl = `http://127.0.0.1:${this.port}/hook`;
    this.url = this.plainUrl;
    if (this.fault.kind === 'refused') {
      // The port stays reserved for this receiver; it is closed until heal() opens it again.
      await close(plain);
    } else if (this.fault.kind === 'self-signed-tls') {
      const tls = createHttpsServer({ key: tlsFixture('self-signed.key'), cert: tlsFixture('self-signed.crt') }, (req, res) =>
        this.handle(req, res),
      );
      this.servers.push(tls);
      this.url = `https://127.0.0.1:${await listen(tls)}/hook`;
    }
    return this;
  }

  /** Makes the receiver healthy; returns the URL it should be reached at from now on. */
  async heal(): Promise<string> {
    this.healed = true;
    if (this.fault.kind === 'refused') {
      // Another process may have taken the closed port meanwhile: then the receiver "moves", and the
      // caller points the subscription at its new URL, as an operator would.
      const port = await listen(this.servers[0]!, this.port).catch(() => listen(this.servers[0]!));
      this.plainUrl = `http://127.0.0.1:${port}/hook`;
    }
    // A certificate problem is fixed by pointing the subscription at a correctly served URL.
    return this.plainUrl;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => close(s)));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/followed') {
      this.redirectTargetHits++;
      res.writeHead(204).end();
      return;
    }
    const id = String(req.headers['webhook-id'] ?? '');
    this.requests.push(id);
    if (!this.healed) return this.misbehave(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        new Webhook(this.secret).verify(raw, {
          'webhook-id': id,
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        });
      } catch {
        res.writeHead(401).end();
        return;
      }
      this.accepted.set(id, [...(this.accepted.get(id) ?? []), raw]);
      // Healed, the huge receiver still answers with 50 MB: a success must not wait for all of it.
      if (this.fault.kind === 'huge-body') this.streamHuge(res, 200);
      else res.writeHead(204).end();
    });
  }

  private misbehave(req: IncomingMessage, res: ServerResponse): void {
    switch (this.fault.kind) {
      case 'reset-mid-request':
        req.socket.destroy();
        return;
      case 'reset-mid-response':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4096' });
        res.write('partial answer ');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'hang':
        return; // never answers; the relay's timeout ends it
      case 'slow-body': {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(RESPONSE_EXCERPT_BYTES * 4) });
        const drip = setInterval(() => res.write('.'), 100);
        res.on('close', () => clearInterval(drip));
        return;
      }
      case 'huge-body':
        this.streamHuge(res, 500);
        return;
      case 'redirect':
        res.writeHead(307, { location: `http://127.0.0.1:${this.port}/followed` }).end();
        return;
      case 'retry-after':
        res.writeHead(429, { 'retry-after': String(RETRY_AFTER_S) }).end('slow down');
        return;
      case 'gone':
        res.writeHead(410).end();
        return;
      default:
        throw new Error(`${this.fault.kind} never reaches the handler unhealed`);
    }
  }

  /** Streams HUGE_BYTES with backpressure, noting how much was handed over when the socket closed. */
  private streamHuge(res: ServerResponse, status: number): void {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(HUGE_BYTES) });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < HUGE_BYTES && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => this.hugeBytesSent.push(sent));
    pump();
  }
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface Attempt {
  attempt: number;
  at: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
}

interface Delivery {
  eventId: string;
  leadId: string;
  status: string;
  attempts: number;
  attemptLog: Attempt[];
}

// ---------------------------------------------------------------------------------------------

describe('subscriber faults: schedule followed, healthy subscriber unaffected, nothing lost', () => {
  let h: Harness;
  const faulty = FAULTS.map((f) => new FaultySubscriber(f));
  const testStart = new Date().toISOString();
  let eventIds: string[] = [];
  /** Each faulty subscriber's deliveries as they stood before it healed. */
  const beforeHealing = new Map<FaultKind, Delivery[]>();
  /** What each faulty receiver had accepted and seen when the healthy one had everything. */
  const atHealing = new Map<FaultKind, { accepted: number; requests: number }>();

  async function deliveriesOf(subId: string): Promise<Delivery[]> {
    const res = await h.api('GET', `/v1/subscriptions/${subId}/deliveries?limit=200`);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  beforeAll(async () => {
    h = await new Harness({
      timeout: `${TIMEOUT_MS}ms`,
      retrySchedule: SCHEDULE_MS.map((ms) => `${ms}ms`),
      perSubscriptionConcurrency: 4,
      // Room for every faulty receiver's slots and then some: the configured capacity is what keeps
      // the healthy one's slots free. No circuit breaker, so each retry waits for its schedule only.
      delivery: { concurrency: 64, circuitBreakerAfter: 10_000 },
    }).start();
    for (const f of faulty) {
      await f.start();
      const res = await h.api('POST', '/v1/subscriptions', { url: f.url, secret: f.secret, description: f.fault.kind });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      f.subscriptionId = res.body.id;
    }

    // Phase 1: changes are detected while every faulty receiver misbehaves.
    const leads = [h.apten.createLead(), h.apten.createLead(), h.apten.createLead()];
    await h.sync();
    h.apten.updateLead(leads[0]!.id, { isHot: true });
    await h.sync();
    const events = await h.api('GET', '/v1/events?limit=200');
    eventIds = (events.body.data as Array<{ id: string; type: string }>).filter((e) => e.type !== 'ping').map((e) => e.id);
    expect(eventIds.length).toBeGreaterThanOrEqual(4);

    let progress = '';
    await waitFor(
      async () => {
        progress = `healthy accepted ${h.sub.accepted.length}/${eventIds.length}`;
        if (!eventIds.every((id) => h.sub.accepted.some((r) => r.id === id))) return false;
        for (const f of faulty) {
          const ds = await deliveriesOf(f.subscriptionId);
          progress = `${f.fault.kind}: ${JSON.stringify(ds.map((d) => [d.status, d.attemptLog.map((a) => a.error)]))}`;
          if (f.fault.kind === 'gone') {
            if ((await h.api('GET', `/v1/subscriptions/${f.subscriptionId}`)).body.enabled !== false) return false;
            beforeHealing.set(f.fault.kind, ds);
            continue;
          }
          // A lead's later events wait for its first one (per-lead order): those have no attempts yet.
          if (ds.length !== eventIds.length || !ds.every((d) => d.attemptLog.length === 0 || d.attemptLog.length >= FAULTY_ATTEMPTS_BEFORE_HEALING)) return false;
          const leads = new Set(ds.map((d) => d.leadId));
          if ([...leads].some((lead) => !ds.some((d) => d.leadId === lead && d.attemptLog.length >= FAULTY_ATTEMPTS_BEFORE_HEALING))) return false;
          beforeHealing.set(f.fault.kind, ds);
        }
        return true;
      },
      { timeoutMs: 45_000, what: 'the healthy subscriber to get everything and each faulty one to fail twice per event' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${progress}`);
    });

    for (const f of faulty) atHealing.set(f.fault.kind, { accepted: f.accepted.size, requests: f.requests.length });

    // Phase 2: every receiver heals the way an operator would make it heal.
    for (const f of faulty) {
      const url = await f.heal();
      if (f.fault.kind === 'self-signed-tls' || (f.fault.kind === 'refused' && url !== f.url)) {
        expect((await h.api('PATCH', `/v1/subscriptions/${f.subscriptionId}`, { url })).status).toBe(200);
      }
      if (f.fault.kind === 'gone') {
        // A 410 disabled it: enable it again and replay the range; pending deliveries are not doubled.
        expect((await h.api('PATCH', `/v1/subscriptions/${f.subscriptionId}`, { enabled: true })).status).toBe(200);
        expect((await h.api('POST', `/v1/subscriptions/${f.subscriptionId}/replay`, { since: testStart })).status).toBe(202);
      }
    }
    await waitFor(() => faulty.every((f) => eventIds.every((id) => f.accepted.has(id))), {
      timeoutMs: 45_000,
      what: 'every healed subscriber to get every event',
    }).catch(async (err: Error) => {
      const missing = [];
      for (const f of faulty.filter((s) => !eventIds.every((id) => s.accepted.has(id)))) {
        const ds = await deliveriesOf(f.subscriptionId);
        missing.push(`${f.fault.kind}: ${JSON.stringify(ds.map((d) => [d.status, d.attemptLog.map((a) => a.error)]))}`);
      }
      throw new Error(`${err.message}; still missing: ${missing.join('; ')}`);
    });
    await h.waitIdle(20_000);
  }, 150_000);

  afterAll(async () => {
    if (h && eventIds.length) {
      // The figures RELIABILITY.md quotes.
      let failed = 0;
      for (const f of faulty) failed += (await deliveriesOf(f.subscriptionId)).flatMap((d) => d.attemptLog).filter((a) => a.error !== null).length;
      const lost = faulty.reduce((n, f) => n + eventIds.filter((id) => !f.accepted.has(id)).length, 0);
      console.log(
        `subscriber-faults: ${FAULTS.length} fault kinds, ${failed} failed attempts injected, ${eventIds.length} events x ${faulty.length + 1} subscribers, lost ${lost}`,
      );
    }
    await h?.stop();
    await Promise.all(faulty.map((f) => f.close()));
  });

  it('the healthy subscriber got every event exactly once while all the others misbehaved', () => {
    expect(faulty.map((f) => [f.fault.kind, atHealing.get(f.fault.kind)!.accepted])).toEqual(faulty.map((f) => [f.fault.kind, 0]));
    const healthy = h.sub.received.filter((r) => eventIds.includes(r.id));
    expect(healthy.every((r) => r.verified && r.status === 204)).toBe(true);
    expect(healthy.map((r) => r.id).sort()).toEqual([...eventIds].sort());
  });

  it.each(FAULTS.filter((f) => f.kind !== 'gone'))('$kind: every failed attempt names the problem and follows the schedule', async (fault) => {
    const ds = beforeHealing.get(fault.kind)!;
    expect(ds.map((d) => d.eventId).sort()).toEqual([...eventIds].sort());
    for (const d of ds) {
      expect(d.status, JSON.stringify(d)).toBe('pending');
      d.attemptLog.forEach((a, i) => {
        expect(a.attempt).toBe(i + 1);
        expect(a.statusCode, JSON.stringify(a)).toBe(fault.statusCode);
        expect(a.error, JSON.stringify(a)).toMatch(fault.error);
        expect(a.nextAttemptAt).not.toBeNull();
        const next = Date.parse(a.nextAttemptAt!);
        // The relay's own wait after the response: the schedule entry with ±20% jitter, or Retry-After.
        const waited = next - Date.parse(a.at) - a.durationMs;
        const scheduled = SCHEDULE_MS[a.attempt - 1]!;
        const floor = fault.kind === 'retry-after' ? RETRY_AFTER_S * 1000 : scheduled * 0.8;
        expect(waited, JSON.stringify(a)).toBeGreaterThanOrEqual(floor - 2); // ms rounding of at and durationMs
        // Not some later, longer entry either (the slack absorbs event-loop lag on a busy machine).
        expect(waited, JSON.stringify(a)).toBeLessThan(Math.max(floor, scheduled * 1.2) + 250);
        const following = d.attemptLog[i + 1];
        if (following) expect(Date.parse(following.at)).toBeGreaterThanOrEqual(next);
      });
    }
  });

  it.each(FAULTS)('$kind: once healed, every event arrives, with the same webhook-id on every attempt', async (fault) => {
    const f = faulty.find((s) => s.fault.kind === fault.kind)!;
    expect([...f.accepted.keys()].sort()).toEqual([...eventIds].sort());
    const ds = await deliveriesOf(f.subscriptionId);
    const succeeded = new Set(ds.filter((d) => d.status === 'succeeded').map((d) => d.eventId));
    expect([...succeeded].sort()).toEqual([...eventIds].sort());
    for (const raws of f.accepted.values()) expect(new Set(raws).size).toBe(1); // duplicates are byte-identical
    if (fault.reachesHandler) {
      // Every request the receiver saw carried one of the events' ids, as many times as the log says.
      const logged = new Map<string, number>();
      for (const d of ds) logged.set(d.eventId, (logged.get(d.eventId) ?? 0) + d.attemptLog.length);
      const seen = new Map<string, number>();
      for (const id of f.requests) seen.set(id, (seen.get(id) ?? 0) + 1);
      expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(logged));
    }
    if (fault.kind !== 'gone') {
      const triedBefore = new Set(beforeHealing.get(fault.kind)!.filter((d) => d.attemptLog.length > 0).map((d) => d.eventId));
      for (const d of ds) {
        if (triedBefore.has(d.eventId)) expect(d.attemptLog.length).toBeGreaterThan(FAULTY_ATTEMPTS_BEFORE_HEALING);
        expect(d.attemptLog.at(-1)!.error).toBeNull();
        expect(d.attemptLog.slice(0, -1).every((a) => fault.error.test(a.error ?? ''))).toBe(true);
      }
    }
  });

  it('huge-body: the relay reads an excerpt, never the whole 50 MB, failing or succeeding', async () => {
    const f = faulty.find((s) => s.fault.kind === 'huge-body')!;
    const attempts = (await deliveriesOf(f.subscriptionId)).flatMap((d) => d.attemptLog);
    expect(attempts.every((a) => a.responseExcerpt !== null && Buffer.byteLength(a.responseExcerpt) <= RESPONSE_EXCERPT_BYTES)).toBe(true);
    await waitFor(() => f.hugeBytesSent.length === f.requests.length, { what: 'every huge response to end' });
    expect(f.hugeBytesSent.length).toBeGreaterThan(eventIds.length * FAULTY_ATTEMPTS_BEFORE_HEALING);
    expect(f.hugeBytesSent.every((bytes) => bytes < HUGE_BYTES)).toBe(true);
    // And the relay is still answering its API.
    expect((await h.api('GET', '/healthz')).status).toBe(200);
  });

  it('redirect: the Location target never got a request', () => {
    expect(faulty.find((s) => s.fault.kind === 'redirect')!.redirectTargetHits).toBe(0);
  });

  it('gone: the first 410 disabled the subscription, and nothing more was sent until it was enabled', async () => {
    const f = faulty.find((s) => s.fault.kind === 'gone')!;
    const before = beforeHealing.get('gone')!;
    const failedAttempts = before.flatMap((d) => d.attemptLog);
    // Only the attempts already in flight when the first 410 came back (at most the concurrency limit).
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    expect(failedAttempts.length).toBeLessThanOrEqual(4);
    expect(failedAttempts.every((a) => a.statusCode === 410 && a.nextAttemptAt === null)).toBe(true);
    expect(atHealing.get('gone')!.requests).toBe(failedAttempts.length);
    const sub = (await h.api('GET', `/v1/subscriptions/${f.subscriptionId}`)).body;
    expect(sub.enabled).toBe(true);
    expect(f.requests.length - failedAttempts.length).toBeGreaterThanOrEqual(eventIds.length);
  });
});
