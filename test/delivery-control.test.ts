// Operating deliveries (issue: delivery control): secret rotation, test pings, manual retry, replay,
// auto-disable and recovery, static headers, per-endpoint limits and the circuit breaker. Everything
// goes over real HTTP on 127.0.0.1: admin API, vendor simulator and verifying subscribers.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateSecret } from '../src/delivery/sign.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber, type Received } from './helpers/subscriber.js';
import { sleep, waitFor } from './helpers/wait.js';
import { ManualClock } from './helpers/manual-clock.js';

let h: Harness;
const extra: TestSubscriber[] = [];
afterEach(async () => {
  await h?.stop();
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

const DAY_MS = 86_400_000;

async function subscriber(secret = generateSecret()): Promise<TestSubscriber> {
  const s = await new TestSubscriber(secret).start();
  extra.push(s);
  return s;
}

async function createSub(body: Record<string, unknown>) {
  const res = await h.api('POST', '/v1/subscriptions', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function getSub(id: string) {
  const res = await h.api('GET', `/v1/subscriptions/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function getDelivery(id: string) {
  const res = await h.api('GET', `/v1/deliveries/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function deliveries(subId: string, query = '') {
  const res = await h.api('GET', `/v1/subscriptions/${subId}/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body.data as any[];
}

/** Verifies a received webhook with the standardwebhooks package and one secret (optionally one signature only). */
function verifies(secret: string, r: Received, signature = r.signature): boolean {
  try {
    new Webhook(secret).verify(r.raw, {
      'webhook-id': r.id,
      'webhook-timestamp': String(r.timestamp),
      'webhook-signature': signature,
    });
    return true;
  } catch {
    return false;
  }
}

/** Every `field` named in a 400's details (and its message), to check the error names the right field. */
function expectBadRequestNaming(res: { status: number; body: any }, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('invalid_request');
  const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
  expect(fields.some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)), JSON.stringify(res.body)).toBe(true);
}

const leadIdOf = (r: Received): string | undefined => r.body?.data?.lead?.id ?? r.body?.data?.leadId;

// ---------------------------------------------------------------------------------------------

describe('secret rotation', () => {
  it('signs with the old and the new secret during the grace period (24h by default)', async () => {
    h = await new Harness().start();
    const oldSecret = generateSecret();
    const mine = await subscriber(oldSecret); // verifies with the old secret only
    const created = await createSub({ url: mine.url, secret: oldSecret });
    expect(created.secret).toBe(oldSecret);

    const before = Date.now();
    const rot = await h.api('POST', `/v1/subscriptions/${created.id}/rotate-secret`);
    const after = Date.now();
    expect(rot.status, JSON.stringify(rot.body)).toBe(200);
    const newSecret: string = rot.body.secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(newSecret).not.toBe(oldSecret);
    const expires = Date.parse(rot.body.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + DAY_MS);
    expect(expires).toBeLessThanOrEqual(after + DAY_MS);

    const secret = await h.api('GET', `/v1/subscriptions/${created.id}/secret`);
    expect(secret.status).toBe(200);
    expect(secret.body).toEqual({
      secret: newSecret,
      previousSecret: oldSecret,
      previousSecretExpiresAt: rot.body.previousSecretExpiresAt,
      previousSecrets: [{ secret: oldSecret, expiresAt: rot.body.previousSecretExpiresAt }],
    });
    const shown = await getSub(created.id);
    expect(shown.previousSecretExpiresAt).toBe(rot.body.previousSecretExpiresAt);
    expect(JSON.stringify(shown)).not.toContain(newSecret.slice(6));
    expect(JSON.stringify(shown)).not.toContain(oldSecret.slice(6));

    h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    await waitFor(() => mine.accepted.length === 2, { what: 'two webhooks signed during the grace period' });
    for (const r of mine.received) {
      const parts = r.signature.split(' ');
      expect(parts).toHaveLength(2);
      expect(parts.every((p) => /^v1,[A-Za-z0-9+/]+={0,2}$/.test(p))).toBe(true);
      expect(verifies(oldSecret, r)).toBe(true);
      expect(verifies(newSecret, r)).toBe(true);
      // Each signature belongs to exactly one of the two secrets.
      for (const s of [oldSecret, newSecret]) expect(parts.filter((p) => verifies(s, r, p))).toHaveLength(1);
      expect(verifies(generateSecret(), r)).toBe(false);
    }
  });

  it('after the grace period only the new secret signs; a given secret is used exactly', async () => {
    h = await new Harness({ delivery: { secretRotationGrace: '300ms' } }).start();
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const mine = await subscriber(newSecret); // verifies with the new secret only
    const created = await createSub({ url: mine.url, secret: oldSecret });

    const before = Date.now();
    const rot = await h.api('POST', `/v1/subscriptions/${created.id}/rotate-secret`, { secret: newSecret });
    expect(rot.status, JSON.stringify(rot.body)).toBe(200);
    expect(rot.body.secret).toBe(newSecret);
    const expires = Date.parse(rot.body.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 300);
    expect(expires).toBeLessThanOrEqual(Date.now() + 300);

    await sleep(Math.max(0, expires - Date.now()) + 50);
    const secret = await h.api('GET', `/v1/subscriptions/${created.id}/secret`);
    expect(secret.body).toEqual({ secret: newSecret });
    expect((await getSub(created.id)).previousSecretExpiresAt).toBeNull();

    h.apten.createLead();
    await h.sync();
    await waitFor(() => mine.accepted.length === 1, { what: 'a webhook after the grace period' });
    const [r] = mine.received;
    expect(mine.received).toHaveLength(1);
    expect(r!.signature.split(' ')).toHaveLength(1);
    expect(verifies(newSecret, r!)).toBe(true);
    expect(verifies(oldSecret, r!)).toBe(false);
  });

  it('refuses config-file subscriptions, malformed secrets and unknown subscriptions', async () => {
    h = await new Harness().start();
    const cfg = await h.api('POST', '/v1/subscriptions/all/rotate-secret');
    expect(cfg.status).toBe(409);
    expect(cfg.body.error.code).toBe('managed_by_config');
    expect((await h.api('GET', '/v1/subscriptions/all/secret')).body).toEqual({ secret: h.sub.secret });

    const mine = await subscriber();
    const created = await createSub({ url: mine.url, secret: mine.secret });
    for (const bad of ['whsec_abc', 'not-a-secret', `whsec_${Buffer.alloc(16).toString('base64')}`, 42]) {
      const res = await h.api('POST', `/v1/subscriptions/${created.id}/rotate-secret`, { secret: bad });
      expectBadRequestNaming(res, 'secret');
    }
    // Nothing changed by the refused requests.
    expect((await h.api('GET', `/v1/subscriptions/${created.id}/secret`)).body).toEqual({ secret: mine.secret });
    expect((await getSub(created.id)).previousSecretExpiresAt).toBeNull();

    expect((await h.api('POST', '/v1/subscriptions/sub_nope/rotate-secret')).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------

describe('test ping', () => {
  it('sends a signed ping to that subscription only, whatever its event filter', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const other = await subscriber();
    const created = await createSub({ url: mine.url, secret: mine.secret, events: ['lead.created'] });
    await createSub({ url: other.url, secret: other.secret });

    const res = await h.api('POST', `/v1/subscriptions/${created.id}/test`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ deliveryId: expect.any(String), eventId: expect.any(String) });
    const { deliveryId, eventId } = res.body;

    await waitFor(() => mine.accepted.length === 1, { what: 'the ping' });
    const [ping] = mine.received;
    expect(ping!.verified).toBe(true);
    expect(ping!.id).toBe(eventId);
    expect(ping!.headers['content-type']).toMatch(/^application\/json/);
    expect(ping!.body).toMatchObject({ type: 'ping', data: { subscriptionId: created.id, message: expect.any(String) } });
    expect(typeof ping!.body.timestamp).toBe('string');

    await waitFor(async () => (await getDelivery(deliveryId)).status === 'succeeded', { what: 'ping delivery to succeed' });
    const d = await getDelivery(deliveryId);
    expect(d).toMatchObject({ id: deliveryId, subscriptionId: created.id, eventId, eventType: 'ping', status: 'succeeded', attempts: 1 });
    expect(d.attemptLog).toHaveLength(1);
    expect(d.attemptLog[0].statusCode).toBe(204);

    // Later changes flow as usual, and the ping never reaches anybody else.
    const lead = h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.accepted.map((r) => r.type)).toEqual(['ping', 'lead.created']);
    expect(other.received.map((r) => r.type)).toEqual(['lead.created']);
    expect(h.sub.received.map((r) => r.type)).toEqual(['lead.created']);
    expect(h.sub.received[0]!.body.data.lead.id).toBe(lead.id);
    expect([...other.received, ...h.sub.received].some((r) => r.id === eventId)).toBe(false);
  });

  it('refuses a disabled subscription (409) and an unknown one (404)', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const created = await createSub({ url: mine.url, secret: mine.secret });
    expect((await h.api('PATCH', `/v1/subscriptions/${created.id}`, { enabled: false })).status).toBe(200);
    const res = await h.api('POST', `/v1/subscriptions/${created.id}/test`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('subscription_disabled');
    expect((await h.api('POST', '/v1/subscriptions/sub_nope/test')).status).toBe(404);
    await sleep(150);
    expect(mine.received).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------

describe('manual retry', () => {
  it('sends a failed delivery again with the same webhook-id, logged as a manual attempt', async () => {
    h = await new Harness({ retrySchedule: ['20ms'] }).start();
    h.sub.respond = () => 500;
    const lead = h.apten.createLead();
    await h.sync();
    const [failed] = await waitFor(async () => {
      const f = await deliveries('all', '?status=failed');
      return f.length === 1 && f;
    }, { what: 'the delivery to fail for good' });
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 500 });
    expect(h.sub.received).toHaveLength(2);
    const webhookId = h.sub.received[0]!.id;
    expect(failed.eventId).toBe(webhookId);

    h.sub.respond = () => 204;
    const res = await h.api('POST', `/v1/deliveries/${failed.id}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitFor(() => h.sub.accepted.length === 1, { what: 'the manual retry to arrive' });
    const again = h.sub.accepted[0]!;
    expect(again.id).toBe(webhookId);
    expect(leadIdOf(again)).toBe(lead.id);
    expect(again.raw).toBe(h.sub.received[0]!.raw);

    const d = await waitFor(async () => {
      const x = await getDelivery(failed.id);
      return x.status === 'succeeded' && x;
    }, { what: 'the delivery to be succeeded' });
    expect(d.attempts).toBe(3);
    expect(d.lastStatusCode).toBe(204);
    expect(d.completedAt).not.toBeNull();
    expect(d.attemptLog.map((a: any) => a.trigger)).toEqual(['scheduled', 'scheduled', 'manual']);
    expect(d.attemptLog.at(-1)).toMatchObject({ trigger: 'manual', statusCode: 204, error: null });
    await sleep(100);
    expect(h.sub.received).toHaveLength(3); // one manual attempt, not a new retry series
  });

  it('answers 404 for an unknown delivery and 409 while the subscription is disabled', async () => {
    h = await new Harness({ retrySchedule: [] }).start();
    h.sub.respond = () => 500;
    h.apten.createLead();
    await h.sync();
    const [failed] = await waitFor(async () => {
      const f = await deliveries('all', '?status=failed');
      return f.length === 1 && f;
    });

    const unknown = await h.api('POST', '/v1/deliveries/dlv_does_not_exist/retry');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');

    expect((await h.api('PATCH', '/v1/subscriptions/all', { enabled: false })).status).toBe(200);
    h.sub.respond = () => 204;
    const res = await h.api('POST', `/v1/deliveries/${failed.id}/retry`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('subscription_disabled');
    await sleep(150);
    expect(h.sub.received).toHaveLength(1);
    expect((await getDelivery(failed.id)).status).toBe('failed');
  });
});

// ---------------------------------------------------------------------------------------------

describe('replay', () => {
  it('re-sends the matching events of a range with the same webhook-ids, respecting filters and until', async () => {
    h = await new Harness({ secondSource: true }).start();
    const mine = await subscriber();
    const created = await createSub({ url: mine.url, secret: mine.secret, events: ['lead.created', 'lead.updated'], sources: ['apten'] });
    const id = created.id as string;

    const t0 = new Date().toISOString();
    await sleep(5);
    const a = h.apten.createLead();
    const b = h.apten.createLead();
    await h.sync('apten');
    await h.sync('apten-b');
    await h.waitIdle();
    await sleep(20);
    const t1 = new Date().toISOString();
    await sleep(20);
    h.apten.updateLead(a.id, { isHot: true });
    h.apten.addEvent(b.id, { type: 'CALL', data: {} });
    const c = h.apten.createLead();
    h.apten.deleteLead(b.id);
    await h.sync('apten');
    await h.sync('apten-b');
    await h.waitIdle();

    // What the filters select, from the event log: only apten's lead.created / lead.updated.
    const log = (await h.api('GET', `/v1/events?since=${t0}&limit=200`)).body.data as any[];
    expect(new Set(log.map((e) => e.source))).toEqual(new Set(['apten', 'apten-b']));
    const wanted = log.filter((e) => e.source === 'apten' && ['lead.created', 'lead.updated'].includes(e.type));
    const wantedBeforeT1 = wanted.filter((e) => e.createdAt < t1);
    expect(wanted.length).toBe(4); // a, b, c created; a updated
    expect(wantedBeforeT1.length).toBe(2);
    expect(new Set(mine.accepted.map((r) => r.id))).toEqual(new Set(wanted.map((e) => e.id)));
    const firstRound = new Map(mine.accepted.map((r) => [r.id, r.raw]));
    const othersBefore = h.sub.received.length;

    // since only: everything the subscription wants from t0 on.
    const all = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t0 });
    expect(all.status, JSON.stringify(all.body)).toBe(202);
    expect(all.body).toMatchObject({ subscriptionId: id, matched: 4, queued: 4 });
    await waitFor(() => mine.accepted.length === 8, { what: 'the replay to arrive' });
    await h.waitIdle();
    const replayed = mine.accepted.slice(4);
    expect(new Set(replayed.map((r) => r.id))).toEqual(new Set(wanted.map((e) => e.id)));
    expect(replayed.map((r) => r.id).length).toBe(4);
    for (const r of replayed) expect(r.raw).toBe(firstRound.get(r.id)); // the same event, not a new one
    // a's created still goes before a's update.
    const ofA = replayed.filter((r) => leadIdOf(r) === a.id).map((r) => r.type);
    expect(ofA).toEqual(['lead.created', 'lead.updated']);
    expect(replayed.some((r) => leadIdOf(r) === c.id)).toBe(true);

    // until bounds the range.
    const early = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t0, until: t1 });
    expect(early.status).toBe(202);
    expect(early.body).toMatchObject({ matched: 2, queued: 2, until: t1 });
    await waitFor(() => mine.accepted.length === 10, { what: 'the bounded replay' });
    await h.waitIdle();
    expect(new Set(mine.accepted.slice(8).map((r) => r.id))).toEqual(new Set(wantedBeforeT1.map((e) => e.id)));
    expect(new Set(mine.accepted.slice(8).map((r) => leadIdOf(r)))).toEqual(new Set([a.id, b.id]));

    // Replay is for that one subscription only.
    expect(h.sub.received.length).toBe(othersBefore);
    expect(mine.received.every((r) => r.verified)).toBe(true);
  });

  it('rejects bad ranges naming the field, and does not queue an event twice while it is pending', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const created = await createSub({ url: mine.url, secret: mine.secret });
    const id = created.id as string;
    const t0 = new Date().toISOString();
    await sleep(5);
    for (let i = 0; i < 3; i++) h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.accepted).toHaveLength(3);
    const t1 = new Date(Date.now() + 1000).toISOString();

    expectBadRequestNaming(await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: 'yesterday' }), 'since');
    expectBadRequestNaming(await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: '2026-05-14 15:30' }), 'since');
    expectBadRequestNaming(await h.api('POST', `/v1/subscriptions/${id}/replay`, {}), 'since');
    expectBadRequestNaming(await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t1, until: t0 }), 'until');
    expectBadRequestNaming(await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t0, until: t0 }), 'until');
    expect((await h.api('POST', '/v1/subscriptions/sub_nope/replay', { since: t0 })).status).toBe(404);
    await sleep(100);
    expect(mine.received).toHaveLength(3); // the refused requests queued nothing

    // Disabled: replay queues, nothing is sent, and a second replay finds them already pending.
    expect((await h.api('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    const first = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t0 });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ matched: 3, queued: 3 });
    const second = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: t0 });
    expect(second.status).toBe(202);
    expect(second.body.matched).toBe(3);
    expect(second.body.queued).toBeLessThan(first.body.queued);
    expect(second.body.queued).toBe(0);
    expect(await deliveries(id, '?status=pending')).toHaveLength(3);
    await sleep(150);
    expect(mine.received).toHaveLength(3);

    expect((await h.api('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    await waitFor(() => mine.accepted.length >= 6, { what: 'the replay after re-enabling' });
    await h.waitIdle();
    await sleep(100);
    expect(mine.accepted).toHaveLength(6); // each event once more, not twice
    expect(new Set(mine.accepted.slice(3).map((r) => r.id))).toEqual(new Set(mine.accepted.slice(0, 3).map((r) => r.id)));
  });
});

// ---------------------------------------------------------------------------------------------

describe('auto-disable and recovery', () => {
  const options = { delivery: { autoDisableAfter: '1s', circuitBreakerAfter: 1000 }, retrySchedule: Array<string>(60).fill('50ms') };

  async function waitDisabled() {
    return waitFor(
      async () => {
        const s = await getSub('all');
        return s.enabled === false && s;
      },
      { what: 'the subscription to be disabled' },
    );
  }

  it('disables a subscription that keeps failing; re-enabling with replayMissed sends what it missed', async () => {
    h = await new Harness(options).start();
    h.sub.respond = () => 500;
    const first = h.apten.createLead();
    await h.sync();
    const disabled = await waitDisabled();
    expect(disabled.disabledReason).toMatch(/fail/i);
    expect(disabled.disabledReason).toMatch(/1s/);
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.health.failingSince).not.toBeNull();
    // Disabled by how long it failed, not by a count: the first failure starts the clock, a later one ends it
    // (how many fit into the second depends on the machine's load).
    expect(disabled.health.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(disabled.health.circuit).toBe('closed');
    // Not before it had been failing for autoDisableAfter.
    expect(Date.parse(disabled.disabledAt) - Date.parse(disabled.health.failingSince)).toBeGreaterThanOrEqual(1000);
    expect(h.sub.accepted).toHaveLength(0);

    // Detected while disabled: not delivered.
    await sleep(100);
    const sentBefore = h.sub.received.length;
    const missed = [h.apten.createLead(), h.apten.createLead()];
    h.apten.updateLead(first.id, { isHot: true });
    await h.sync();
    await sleep(400);
    expect(h.sub.received.length).toBe(sentBefore);

    h.sub.respond = () => 204;
    const res = await h.api('PATCH', '/v1/subscriptions/all', { enabled: true, replayMissed: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    expect(res.body.replayed.queued).toBeGreaterThanOrEqual(3); // 2 created + 1 updated
    await h.waitIdle();
    const accepted = h.sub.accepted;
    for (const l of missed) expect(accepted.filter((r) => leadIdOf(r) === l.id).map((r) => r.type)).toEqual(['lead.created']);
    // The first lead's pending delivery resumes, and its missed update follows it in order.
    expect(accepted.filter((r) => leadIdOf(r) === first.id).map((r) => r.type)).toEqual(['lead.created', 'lead.updated']);
    const healthy = await getSub('all');
    expect(healthy.health).toMatchObject({ consecutiveFailures: 0, failingSince: null, circuit: 'closed' });
  }, 15_000);

  it('plain PATCH {enabled: true} clears the failure history and replays nothing', async () => {
    h = await new Harness(options).start();
    h.sub.respond = () => 500;
    const first = h.apten.createLead();
    await h.sync();
    await waitDisabled();
    const whileDisabled = h.apten.createLead();
    await h.sync();

    h.sub.respond = () => 204;
    const res = await h.api('PATCH', '/v1/subscriptions/all', { enabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      health: { consecutiveFailures: 0, failingSince: null, circuit: 'closed', circuitOpenUntil: null },
    });
    expect(res.body).not.toHaveProperty('replayed');
    await h.waitIdle();
    await sleep(100);
    expect(h.sub.accepted.map((r) => leadIdOf(r))).toEqual([first.id]);
    expect(h.sub.received.some((r) => leadIdOf(r) === whileDisabled.id)).toBe(false);
    expect((await getSub('all')).health.consecutiveFailures).toBe(0);
  }, 15_000);

  it('410 Gone disables at once', async () => {
    h = await new Harness({ retrySchedule: ['20ms', '20ms'] }).start();
    h.sub.respond = () => 410;
    h.apten.createLead();
    await h.sync();
    const s = await waitDisabled();
    expect(s.disabledReason).toMatch(/410/);
    expect(h.sub.received).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('static headers', () => {
  const AUTH = 'Bearer n8n-secret-value';
  const KEY = 'k-123';
  const leaks = (text: string) => text.includes('n8n-secret-value') || text.includes(KEY);

  it('sends them with every webhook and never shows their values', async () => {
    h = await new Harness({ retrySchedule: ['20ms', '20ms'] }).start();
    const mine = await subscriber();
    mine.respond = ({ count }) => (count === 1 ? 500 : 204); // every first attempt fails: retries carry them too
    const created = await createSub({ url: mine.url, secret: mine.secret, headers: { Authorization: AUTH, 'X-Api-Key': KEY } });
    const id = created.id as string;
    expect(leaks(JSON.stringify(created))).toBe(false);
    const masked = created.headers as Record<string, string>;
    expect(Object.keys(masked).map((k) => k.toLowerCase()).sort()).toEqual(['authorization', 'x-api-key']);
    for (const v of Object.values(masked)) expect(v).toMatch(/^\[redacted hmac:[0-9a-f]{8}\]$/);
    expect(new Set(Object.values(masked)).size).toBe(2); // a fingerprint per value

    h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.received).toHaveLength(4);
    expect(mine.accepted).toHaveLength(2);
    for (const r of mine.received) {
      expect(r.headers.authorization).toBe(AUTH);
      expect(r.headers['x-api-key']).toBe(KEY);
    }

    const texts = [
      JSON.stringify((await h.api('GET', `/v1/subscriptions/${id}`)).body),
      JSON.stringify((await h.api('GET', '/v1/subscriptions')).body),
      JSON.stringify((await h.api('PATCH', `/v1/subscriptions/${id}`, { description: 'n8n flow' })).body),
    ];
    for (const t of texts) {
      expect(leaks(t)).toBe(false);
      for (const fingerprint of Object.values(masked)) expect(t).toContain(fingerprint);
    }
    expect(leaks(JSON.stringify((await h.api('GET', `/v1/subscriptions/${id}/deliveries`)).body))).toBe(false);
    expect((await getSub(id)).headers).toEqual(masked);

    expect(h.logs.some((l) => l.includes(id))).toBe(true); // the log does talk about this subscription
    expect(leaks(h.logs.join('\n'))).toBe(false);

    // headers: null clears them.
    const cleared = await h.api('PATCH', `/v1/subscriptions/${id}`, { headers: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.headers).toEqual({});
    mine.respond = () => 204;
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    const last = mine.received.at(-1)!;
    expect(mine.received).toHaveLength(5);
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers['x-api-key']).toBeUndefined();
    expect(leaks(h.logs.join('\n'))).toBe(false);
  });

  it('fingerprints header values with a key of this install: comparable here, useless for checking a guess offline', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const a = await createSub({ url: mine.url, headers: { 'X-Api-Key': KEY } });
    const b = await createSub({ url: mine.url, headers: { 'X-Other': KEY, 'X-Third': 'another-value' } });
    const fingerprint: string = a.headers['X-Api-Key'];
    expect(fingerprint).toMatch(/^\[redacted hmac:[0-9a-f]{8}\]$/);
    expect(b.headers['X-Other']).toBe(fingerprint); // the same value, the same fingerprint
    expect(b.headers['X-Third']).not.toBe(fingerprint);
    // Not the plain hash of the value, which anyone could compute for a guess.
    const sha256 = createHash('sha256').update(KEY).digest('hex');
    expect(fingerprint).not.toContain(sha256.slice(0, 8));
    // The key is kept: the same fingerprint after a restart.
    await h.restartRelay();
    expect((await getSub(a.id)).headers['X-Api-Key']).toBe(fingerprint);
    // Another install has a key of its own.
    const other = await new Harness().start();
    try {
      const res = await other.api('POST', '/v1/subscriptions', { url: mine.url, headers: { 'X-Api-Key': KEY } });
      expect(res.status).toBe(201);
      expect(res.body.headers['X-Api-Key']).toMatch(/^\[redacted hmac:[0-9a-f]{8}\]$/);
      expect(res.body.headers['X-Api-Key']).not.toBe(fingerprint);
    } finally {
      await other.stop();
    }
  });

  it('a URL with user:password@ sends HTTP Basic auth, and the API and logs never show the password', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const url = mine.url.replace('http://', 'http://relay%40acme:url-secret%3Apw@');
    const created = await createSub({ url, secret: mine.secret });
    const id = created.id as string;
    expect(created.url).toBe(mine.url.replace('http://', 'http://relay%40acme:***@'));

    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.accepted).toHaveLength(1);
    // Percent-encoded userinfo is decoded first, as curl does.
    expect(mine.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('relay@acme:url-secret:pw').toString('base64')}`);

    const texts = [
      JSON.stringify((await h.api('GET', `/v1/subscriptions/${id}`)).body),
      JSON.stringify((await h.api('GET', '/v1/subscriptions')).body),
      JSON.stringify((await h.api('GET', `/v1/subscriptions/${id}/deliveries`)).body),
      h.logs.join('\n'),
    ];
    for (const t of texts) expect(t).not.toContain('url-secret');

    // An Authorization header configured on the subscription wins over the URL's credentials.
    expect((await h.api('PATCH', `/v1/subscriptions/${id}`, { headers: { Authorization: AUTH } })).status).toBe(200);
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.received.at(-1)!.headers.authorization).toBe(AUTH);
  });

  it('PATCH of the URL to another host drops the headers unless they are sent again in the same request', async () => {
    h = await new Harness().start();
    const first = await subscriber();
    const other = await subscriber(first.secret); // another port: another host for the header's credentials
    const created = await createSub({ url: first.url, secret: first.secret, headers: { Authorization: AUTH, 'X-Api-Key': KEY } });
    const id = created.id as string;

    // Same host, another path: the headers stay.
    const samePlace = await h.api('PATCH', `/v1/subscriptions/${id}`, { url: first.url.replace('/hook', '/hook/v2') });
    expect(samePlace.status).toBe(200);
    expect(samePlace.body.headers).toEqual(created.headers);

    // Another host: the credentials meant for the first one are not sent there.
    const moved = await h.api('PATCH', `/v1/subscriptions/${id}`, { url: other.url });
    expect(moved.status).toBe(200);
    expect(moved.body.headers).toEqual({});
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(other.accepted).toHaveLength(1);
    expect(other.received[0]!.headers.authorization).toBeUndefined();
    expect(other.received[0]!.headers['x-api-key']).toBeUndefined();

    // Moved back with headers in the same request: those are kept.
    const back = await h.api('PATCH', `/v1/subscriptions/${id}`, { url: first.url, headers: { 'X-Api-Key': KEY } });
    expect(Object.keys(back.body.headers)).toEqual(['X-Api-Key']);
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(first.received.at(-1)!.headers['x-api-key']).toBe(KEY);
    expect(first.received.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('a receiver echoing its request shows no secret in the attempt log: raw, JSON-escaped, URL-encoded, or cut at 1 KiB', async () => {
    h = await new Harness().start();
    const oldSecret = generateSecret();
    const mine = await subscriber(oldSecret);
    const [user, password] = ['relay@acme', 'url-secret:pw'];
    const url = mine.url.replace('http://', `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`);
    const token = 'va"lue/tok+en x';
    const created = await createSub({ url, secret: oldSecret, headers: { 'X-Token': token, 'X-Api-Key': KEY } });
    const rot = await h.api('POST', `/v1/subscriptions/${created.id}/rotate-secret`);
    expect(rot.status).toBe(200);
    const newSecret: string = rot.body.secret;
    mine.secret = newSecret; // both sign during the grace period: the old one is still a secret to hide
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    const secrets = [user, password, basic, token, KEY, newSecret, newSecret.slice(6), oldSecret, oldSecret.slice(6)];

    const bodies: Array<(headers: Record<string, unknown>) => string> = [
      (headers) => JSON.stringify({ headers }), // httpbin
      (headers) => JSON.stringify({ headers }).replace(/\//g, '\\/'), // PHP's json_encode
      () => `?token=${encodeURIComponent(token)}&auth=${encodeURIComponent(`Basic ${basic}`)}&u=${encodeURIComponent(user)}`,
      () => new URLSearchParams({ token, password, secret: newSecret, previous: oldSecret }).toString(),
      () => JSON.stringify({ key: newSecret.slice(6), previous: oldSecret.slice(6) }).replace(/\//g, '\\/'),
      // The new secret's key starts 10 bytes before the 1 KiB cut.
      () => 'p'.repeat(1024 - 6 - 10) + newSecret + ' tail',
      // Redactions shrink the text: what lay past the cut (half a secret) must not slide into view.
      () => `${basic} `.repeat(40) + newSecret.slice(0, 30),
    ];
    let n = 0;
    mine.respond = ({ headers }) => ({ status: 200, body: bodies[n++ % bodies.length]!(headers) });
    for (let i = 0; i < bodies.length; i++) h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.accepted).toHaveLength(bodies.length);
    expect(mine.received[0]!.headers.authorization).toBe(`Basic ${basic}`);

    const excerpts = (await deliveries(created.id)).flatMap((d) => d.attemptLog.map((a: any) => a.responseExcerpt as string));
    expect(excerpts).toHaveLength(bodies.length);
    const forms = (s: string) => [s, JSON.stringify(s).slice(1, -1), JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'), encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)];
    for (const excerpt of excerpts) {
      expect(excerpt).toContain('[redacted]');
      expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(1024);
      for (const s of secrets) for (const form of forms(s)) expect(excerpt, `${form} in ${excerpt}`).not.toContain(form);
      // Nor any 10 characters in a row of a signing key (half a secret at the cut).
      for (const key of [newSecret.slice(6), oldSecret.slice(6)]) {
        for (let i = 0; i + 10 <= key.length; i++) expect(excerpt).not.toContain(key.slice(i, i + 10));
      }
    }
    expect(excerpts.some((e) => e.startsWith('p'.repeat(100)) && e.endsWith('[redacted]'))).toBe(true);
    const all = JSON.stringify((await h.api('GET', `/v1/subscriptions/${created.id}/deliveries`)).body) + h.logs.join('\n');
    for (const s of secrets) expect(all).not.toContain(s);
  });

  it('refuses reserved names and values with line breaks, naming the header', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    const count = async () => (await h.api('GET', '/v1/subscriptions')).body.data.length as number;
    const before = await count();
    for (const name of ['webhook-signature', 'Content-Type']) {
      const res = await h.api('POST', '/v1/subscriptions', { url: mine.url, headers: { [name]: 'x' } });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(JSON.stringify(res.body.error.details)).toContain(name);
      expect(res.body.error.message).toContain(name);
    }
    const nl = await h.api('POST', '/v1/subscriptions', { url: mine.url, headers: { 'X-Token': 'abc\r\nX-Injected: 1' } });
    expect(nl.status).toBe(400);
    expect(JSON.stringify(nl.body.error.details)).toContain('X-Token');
    expect(JSON.stringify(nl.body)).not.toContain('X-Injected'); // the value is not echoed
    expect(await count()).toBe(before);

    const created = await createSub({ url: mine.url, headers: { 'X-Api-Key': KEY } });
    const patch = await h.api('PATCH', `/v1/subscriptions/${created.id}`, { headers: { 'Webhook-Signature': 'v1,forged' } });
    expect(patch.status).toBe(400);
    expect(JSON.stringify(patch.body.error.details)).toContain('Webhook-Signature');
    expect(Object.keys((await getSub(created.id)).headers)).toEqual(['X-Api-Key']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('per-endpoint limits', () => {
  it('maxConcurrency: never more attempts in flight than allowed', async () => {
    h = await new Harness().start();
    const mine = await subscriber();
    let inFlight = 0;
    let peak = 0;
    mine.respond = () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => inFlight--, 300); // when the subscriber answers
      return { status: 204, delayMs: 300 };
    };
    const created = await createSub({ url: mine.url, secret: mine.secret, maxConcurrency: 2 });
    expect(created.maxConcurrency).toBe(2);

    for (let i = 0; i < 10; i++) h.apten.createLead(); // ten leads: nothing orders them
    await h.sync();
    await waitFor(() => mine.accepted.length === 10, { what: 'ten slow webhooks' });
    expect(peak).toBe(2); // at most 2, and the limit was really reached
    const times = mine.received.map((r) => r.at).sort((x, y) => x - y);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(4 * 300 - 50); // five rounds of two
    await h.waitIdle();
    expect(h.sub.accepted).toHaveLength(10);
  });

  it('maxPerSecond: one token refilled at N per second of the relay clock, while an unlimited subscription is not held back', async () => {
    // The relay's clock moves only when the test moves it, so what is judged is what the relay
    // decided (its recorded attempt times), not when packets happened to arrive on a busy machine.
    const clock = new ManualClock();
    h = await new Harness({ clock }).start();
    const limited = await subscriber();
    const created = await createSub({ url: limited.url, secret: limited.secret, maxPerSecond: 5 });
    expect(created.maxPerSecond).toBe(5);
    // h.sub ("all", config, no limits) is the unlimited one.

    for (let i = 0; i < 15; i++) h.apten.createLead();
    await h.sync();
    // With time standing still the unlimited subscription gets everything, the limited one its one token.
    await waitFor(() => h.sub.accepted.length === 15 && limited.accepted.length >= 1, { what: 'all 15 unlimited, 1 limited' });
    await sleep(300);
    expect(limited.received).toHaveLength(1);

    // 50 ms steps of relay time: a send every 4th step (a token per 200 ms), never two at once.
    for (let step = 1; step <= 56; step++) {
      clock.advance(50);
      const due = 1 + Math.floor(step / 4);
      await waitFor(() => limited.received.length >= due, { what: `send ${due} after ${step * 50} ms of relay time` });
      expect(limited.received.length, `after ${step * 50} ms of relay time`).toBeLessThanOrEqual(due);
    }
    await waitFor(() => limited.accepted.length === 15, { what: '15 rate-limited webhooks' });

    // src/delivery/rate.ts: a bucket of one token refilled at 5 per second, so any window of T ms of
    // relay time holds at most 1 + 5·T/1000 sends, judged on the attempt times the relay recorded.
    const times = (await deliveries(created.id)).flatMap((d) => d.attemptLog.map((a: any) => Date.parse(a.at))).sort((x, y) => x - y);
    expect(times).toHaveLength(15);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        const bound = 1 + Math.floor((5 * (times[j]! - times[i]!)) / 1000);
        expect(j - i + 1, `sends ${i}..${j} within ${times[j]! - times[i]!} ms`).toBeLessThanOrEqual(bound);
      }
    }
    // 14 sends after the first need 14 / 5 s.
    expect(times.at(-1)! - times[0]!).toBe(2800);
  });
});

// ---------------------------------------------------------------------------------------------

describe('circuit breaker', () => {
  it('opens after N failures, pauses for the cooldown, probes one at a time, closes on success', async () => {
    // The relay's clock moves only when the test moves it, and the subscriber answers only when the
    // test lets it: every step below is something the relay decided, not a race with the machine.
    const clock = new ManualClock();
    const T0 = clock.now();
    const healthy = await subscriber();
    h = await new Harness({
      clock,
      delivery: { circuitBreakerAfter: 3, circuitBreakerCooldown: '1s' },
      retrySchedule: Array<string>(30).fill('50ms'),
      subscriptions: ({ sub }) => [
        { id: 'all', url: sub.url, secret: sub.secret },
        { id: 'healthy', url: healthy.url, secret: healthy.secret },
      ],
    }).start();
    const all = h.sub;
    let inFlight = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    /** Answers `status` once the test releases it (held answers go out in arrival order). */
    const holdWith = (status: number) => () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const hold = new Promise<void>((resolve) => held.push(resolve)).then(() => void inFlight--);
      return { status, hold };
    };
    const release = (n: number) => held.splice(0, n).forEach((r) => r());
    const failuresRecorded = async () =>
      (await deliveries('all')).flatMap((d) => d.attemptLog).filter((a: any) => a.statusCode === 503).length;

    // Seven successes widen the endpoint's window (slow start) to its 8 slots.
    const leads = Array.from({ length: 7 }, () => h.apten.createLead());
    await h.sync();
    await waitFor(() => all.accepted.length === 7, { what: 'seven accepted' });

    // Then eight attempts are in flight together and all fail: three open the circuit at T0...
    all.respond = holdWith(503);
    leads.push(...Array.from({ length: 8 }, () => h.apten.createLead()));
    await h.sync();
    await waitFor(() => held.length === 8, { what: 'eight attempts in flight' });
    release(3);
    const open = await waitFor(
      async () => {
        const s = await getSub('all');
        return s.health.circuit === 'open' && s;
      },
      { what: 'the circuit to open' },
    );
    expect(open.health.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(open.enabled).toBe(true);
    expect(Date.parse(open.health.circuitOpenUntil)).toBe(T0 + 1000);
    // ...and the five still in flight fail 400 ms later: not failed probes, they must not stretch the pause.
    clock.advance(400);
    release(5);
    await waitFor(async () => (await failuresRecorded()) === 8, { what: 'all eight failures recorded' });
    expect(Date.parse((await getSub('all')).health.circuitOpenUntil)).toBe(T0 + 1000);

    // Open: nothing is sent to it, while the healthy subscription keeps receiving, new events included.
    const sentBeforeProbe = all.received.length;
    leads.push(...Array.from({ length: 3 }, () => h.apten.createLead()));
    await h.sync();
    await waitFor(() => healthy.accepted.length === 18, { what: 'the healthy subscriber to get all 18' });
    clock.advance(599); // 1 ms before the pause ends
    await sleep(300);
    expect(all.received.length).toBe(sentBeforeProbe);
    expect((await getSub('all')).health.circuit).toBe('open');

    // The pause is over: one probe, and nothing else while it is in flight.
    clock.advance(1); // T0 + 1000
    await waitFor(() => held.length === 1, { what: 'the first probe' });
    await sleep(300);
    expect(all.received.length).toBe(sentBeforeProbe + 1);
    release(1);
    // The probe failed: open again, the pause doubled (2 s from the probe's failure), nothing else sent.
    await waitFor(async () => (await failuresRecorded()) === 9, { what: 'the failed probe to be recorded' });
    const probe1 = (await deliveries('all')).flatMap((d) => d.attemptLog).find((a: any) => a.statusCode === 503 && Date.parse(a.at) === T0 + 1000);
    expect(probe1, 'the first probe started when the pause ended').toBeDefined();
    const reopened = await getSub('all');
    expect(reopened.health.circuit).toBe('open');
    expect(Date.parse(reopened.health.circuitOpenUntil)).toBe(T0 + 3000);
    clock.advance(1999);
    await sleep(300);
    expect(all.received.length).toBe(sentBeforeProbe + 1);

    // The subscriber recovers: the next probe succeeds, the circuit closes, the backlog drains.
    all.respond = holdWith(204);
    clock.advance(1); // T0 + 3000
    await waitFor(() => held.length === 1, { what: 'the second probe' });
    await sleep(300);
    expect(all.received.length).toBe(sentBeforeProbe + 2);
    // From here every answer goes out 100 ms after it is asked for.
    peak = 0;
    all.respond = () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return { status: 204, hold: sleep(100).then(() => void inFlight--) };
    };
    release(1);
    await h.waitIdle();
    // Closed again, the backlog drains with more than one attempt at a time (slow start widens it).
    expect(peak).toBeGreaterThanOrEqual(2);
    const closed = await getSub('all');
    expect(closed.health).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null });
    const got = new Set(all.accepted.map((r) => leadIdOf(r)));
    for (const l of leads) expect(got.has(l.id)).toBe(true);
    expect(healthy.accepted).toHaveLength(18);
  }, 30_000);
});
