// interface.md "Webhooks sent" and the delivery promises of issue #3: retries, 410, redirects,
// timeouts, per-lead order, isolation between subscribers, filters, restarts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/delivery/sign.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { sleep, waitFor } from './helpers/wait.js';

let h: Harness;
const extra: TestSubscriber[] = [];
afterEach(async () => {
  await h?.stop();
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

async function deliveries(subId: string, query = '') {
  const res = await h.api('GET', `/v1/subscriptions/${subId}/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body.data as any[];
}

describe('retries', () => {
  it('retries a failing subscriber with the same webhook-id and a fresh signature, then succeeds', async () => {
    h = await new Harness().start();
    h.sub.respond = ({ count }) => (count <= 2 ? 500 : 200);
    const lead = h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    const tries = h.sub.received.filter((r) => r.body?.data?.lead?.id === lead.id);
    expect(tries.map((t) => t.status)).toEqual([500, 500, 200]);
    expect(new Set(tries.map((t) => t.id)).size).toBe(1);
    expect(tries.every((t) => t.verified)).toBe(true);
    expect(new Set(tries.map((t) => t.raw)).size).toBe(1); // the same body every time

    const [d] = await deliveries('all');
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3, eventType: 'lead.created', eventId: tries[0]!.id });
    expect(d.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 200]);
    expect(d.attemptLog[0].nextAttemptAt).not.toBeNull();
    expect(d.attemptLog[2].nextAttemptAt).toBeNull();
  });

  it('marks a delivery failed when the schedule is exhausted, and goes on with the lead\'s next event', async () => {
    h = await new Harness({ retrySchedule: ['20ms', '20ms'] }).start();
    const lead = h.apten.createLead();
    h.sub.respond = ({ body }) => (body.type === 'lead.created' ? 500 : 204);
    await h.sync();
    h.apten.updateLead(lead.id, { isHot: true });
    await h.sync();
    await h.waitIdle();
    const created = h.sub.received.filter((r) => r.type === 'lead.created');
    expect(created).toHaveLength(3); // first attempt + 2 retries
    expect(h.sub.accepted.map((r) => r.type)).toEqual(['lead.updated']);
    const failed = await deliveries('all', '?status=failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ eventType: 'lead.created', attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500' });
  });

  it('waits at least Retry-After after a 429', async () => {
    h = await new Harness({ retrySchedule: ['10ms'] }).start();
    h.sub.respond = ({ count }) => (count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : 204);
    h.apten.createLead();
    await h.sync();
    await waitFor(() => h.sub.accepted.length === 1, { what: 'the retry after Retry-After' });
    const [first, second] = h.sub.received;
    expect(first!.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('treats a timeout as a failure and records it', async () => {
    h = await new Harness({ timeout: '200ms', retrySchedule: ['10ms'] }).start();
    h.sub.respond = ({ count }) => (count === 1 ? { status: 200, delayMs: 1000 } : 200);
    h.apten.createLead();
    await h.sync();
    await waitFor(() => h.sub.accepted.length === 2 || undefined, { timeoutMs: 5000 }).catch(() => undefined);
    await h.waitIdle();
    const [d] = await deliveries('all');
    expect(d.status).toBe('succeeded');
    expect(d.attemptLog[0]).toMatchObject({ statusCode: null, error: 'timed out after 200 ms' });
  });
});

describe('410 Gone and redirects', () => {
  it('disables the subscription on 410 and sends it nothing more', async () => {
    h = await new Harness().start();
    h.sub.respond = () => 410;
    h.apten.createLead();
    await h.sync();
    await waitFor(async () => (await h.api('GET', '/v1/subscriptions/all')).body.enabled === false);
    const sub = (await h.api('GET', '/v1/subscriptions/all')).body;
    expect(sub.disabledReason).toMatch(/410/);
    const [d] = await deliveries('all');
    expect(d).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(h.sub.received).toHaveLength(1);
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target gets nothing', async () => {
    let targetHits = 0;
    const target = createServer((_req, res) => {
      targetHits++;
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    try {
      h = await new Harness({ retrySchedule: ['10ms'] }).start();
      h.sub.respond = () => ({ status: 302, headers: { location: targetUrl } });
      h.apten.createLead();
      await h.sync();
      await waitFor(async () => (await deliveries('all', '?status=failed')).length === 1);
      const [d] = await deliveries('all');
      expect(d.attemptLog.map((a: any) => a.error)).toEqual([
        'HTTP 302: redirects are not followed',
        'HTTP 302: redirects are not followed',
      ]);
      expect(targetHits).toBe(0);
    } finally {
      target.close();
    }
  });
});

describe('ordering and isolation', () => {
  it('delivers one lead\'s events in detection order even when an earlier one needs retries', async () => {
    h = await new Harness({ retrySchedule: Array<string>(50).fill('100ms') }).start();
    const a = h.apten.createLead();
    const b = h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    // a's next event fails at least twice, and until b's update has arrived (however slow the
    // machine): a's later events must wait for it, b's must not.
    let failuresLeft = 2;
    let bArrived = false;
    h.sub.respond = ({ body }) => {
      if (body.type === 'lead.updated' && body.data.lead.id === b.id) bArrived = true;
      if (body.data.lead?.id === a.id && body.data.lead.raw.isHot === true && body.type === 'lead.updated' && (failuresLeft > 0 || !bArrived)) {
        failuresLeft--;
        return 503;
      }
      return 204;
    };
    h.apten.updateLead(a.id, { isHot: true });
    await h.sync();
    h.apten.updateLead(a.id, { isQualified: true });
    h.apten.updateLead(b.id, { isHot: true });
    await h.sync();
    h.apten.addEvent(a.id, { type: 'CALL', data: {} });
    await h.sync();
    await h.waitIdle();

    const ofA = h.sub.accepted.filter((r) => (r.body.data.lead?.id ?? r.body.data.leadId) === a.id).slice(1);
    expect(ofA.map((r) => r.type)).toEqual(['lead.updated', 'lead.updated', 'lead.updated', 'event.added']);
    expect(ofA[0]!.body.data.changes).toContain('raw.isHot');
    expect(ofA[1]!.body.data.changes).toContain('raw.isQualified');
    const bUpdate = h.sub.accepted.find((r) => r.type === 'lead.updated' && r.body.data.lead.id === b.id)!;
    // b's update overtook a's stuck one (which could only succeed once b's had arrived): different
    // leads don't wait for each other.
    expect(bUpdate.at).toBeLessThan(ofA[0]!.at);
  });

  it('keeps each lead\'s events in detection order while many leads are delivered concurrently', async () => {
    h = await new Harness({ timeout: '30s' }).start(); // held answers must not time out
    const leads = Array.from({ length: 8 }, () => h.apten.createLead());
    await h.sync();
    await h.waitIdle();
    // Answers are held until every update is queued, then go out after uneven delays, so an attempt
    // started later often finishes first: only the relay's per-lead ordering keeps a lead in order.
    let gate!: () => void;
    const opened = new Promise<void>((resolve) => (gate = resolve));
    const inFlight = new Map<string, number>();
    let peakPerLead = 0;
    let peak = 0;
    let n = 0;
    h.sub.respond = ({ body }) => {
      const id = body.data.lead?.id ?? body.data.leadId;
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      peakPerLead = Math.max(peakPerLead, inFlight.get(id)!);
      peak = Math.max(peak, [...inFlight.values()].reduce((a, b) => a + b, 0));
      const delay = ((n++ * 7) % 5) * 15;
      return { status: 204, hold: opened.then(() => sleep(delay)).then(() => void inFlight.set(id, inFlight.get(id)! - 1)) };
    };
    for (let round = 1; round <= 4; round++) {
      for (const lead of leads) h.apten.updateLead(lead.id, { summary: `round ${round}` });
      await h.sync();
    }
    gate();
    await h.waitIdle(20_000);

    for (const lead of leads) {
      const got = h.sub.accepted.filter((r) => r.type === 'lead.updated' && r.body.data.lead.id === lead.id);
      expect(got.map((r) => r.body.data.lead.raw.summary), lead.id).toEqual(['round 1', 'round 2', 'round 3', 'round 4']);
    }
    expect(peakPerLead, 'attempts of one lead in flight at once').toBe(1);
    expect(peak, 'attempts in flight at once across leads').toBeGreaterThan(1);
  });

  it('never lets a hanging subscriber delay a healthy one', async () => {
    const slow = await new TestSubscriber(generateSecret()).start();
    extra.push(slow);
    slow.respond = () => ({ status: 200, delayMs: 30_000 });
    h = await new Harness({
      timeout: '10s',
      perSubscriptionConcurrency: 2,
      subscriptions: ({ sub }) => [
        { id: 'fast', url: sub.url, secret: sub.secret },
        { id: 'slow', url: slow.url, secret: slow.secret },
      ],
    }).start().catch((e) => {
      throw e;
    });
    for (let i = 0; i < 20; i++) h.apten.createLead();
    await h.sync();
    // All 20 reach the healthy subscriber while the slow one has not completed a single attempt.
    await waitFor(() => h.sub.accepted.length === 20, { what: 'fast subscriber to get all 20' });
    expect(slow.received.length).toBeLessThanOrEqual(2); // only its concurrency limit's worth is in flight
    const slowDeliveries = await deliveries('slow');
    expect(slowDeliveries).toHaveLength(20);
    // Not one slow attempt has even timed out yet: the healthy subscriber never waited on it.
    expect(slowDeliveries.every((d) => d.status === 'pending' && d.attemptLog.length === 0)).toBe(true);
  }, 20_000);
});

describe('subscription filters', () => {
  it('routes by event type patterns and by source', async () => {
    const created = await new TestSubscriber(generateSecret()).start();
    const leadStar = await new TestSubscriber(generateSecret()).start();
    const eventStar = await new TestSubscriber(generateSecret()).start();
    const onlyB = await new TestSubscriber(generateSecret()).start();
    extra.push(created, leadStar, eventStar, onlyB);
    h = await new Harness({
      secondSource: true,
      subscriptions: () => [
        { id: 'created', url: created.url, secret: created.secret, events: ['lead.created'], sources: ['apten'] },
        { id: 'lead-star', url: leadStar.url, secret: leadStar.secret, events: ['lead.*'], sources: ['apten'] },
        { id: 'event-star', url: eventStar.url, secret: eventStar.secret, events: ['event.*'], sources: ['apten'] },
        { id: 'only-b', url: onlyB.url, secret: onlyB.secret, sources: ['apten-b'] },
      ],
    }).start();
    const lead = h.apten.createLead();
    h.apten.addEvent(lead.id, { type: 'MESSAGE', data: {} });
    await h.sync('apten');
    await h.sync('apten-b');
    h.apten.deleteLead(lead.id);
    await h.sync('apten');
    await h.sync('apten-b');
    await h.waitIdle();

    expect(created.accepted.map((r) => r.type)).toEqual(['lead.created']);
    expect(leadStar.accepted.map((r) => r.type)).toEqual(['lead.created', 'lead.deleted']);
    expect(eventStar.accepted.map((r) => r.type)).toEqual(['event.added']);
    expect(onlyB.accepted.map((r) => r.type)).toEqual(['lead.created', 'event.added', 'lead.deleted']);
    expect(onlyB.accepted.every((r) => r.body.data.source === 'apten-b')).toBe(true);
    expect(created.accepted[0]!.body.data.source).toBe('apten');
  });

  it('an API subscription gets events from its creation on, and nothing after DELETE', async () => {
    h = await new Harness().start();
    const mine = await new TestSubscriber(generateSecret()).start();
    extra.push(mine);
    h.apten.createLead();
    await h.sync();
    const res = await h.api('POST', '/v1/subscriptions', { url: mine.url, secret: mine.secret, events: ['lead.created'] });
    expect(res.status).toBe(201);
    const lead = h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.accepted.map((r) => r.body.data.lead.id)).toEqual([lead.id]);
    expect((await h.api('DELETE', `/v1/subscriptions/${res.body.id}`)).status).toBe(204);
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    expect(mine.received).toHaveLength(1);
  });
});

describe('restarts', () => {
  it('resumes pending deliveries after a restart, with the same webhook-ids and no duplicate events', async () => {
    h = await new Harness({ retrySchedule: ['100ms', '100ms', '100ms', '100ms', '100ms', '100ms'] }).start();
    h.sub.respond = () => 503; // down while changes pile up
    const leads = Array.from({ length: 5 }, () => h.apten.createLead());
    await h.sync();
    await waitFor(() => h.sub.received.length >= 5);
    const idsWhileDown = new Set(h.sub.received.map((r) => r.id));
    await h.relay.stop();

    h.apten.updateLead(leads[0]!.id, { isHot: true }); // a change while the relay is down
    h.sub.respond = () => 204;
    await h.startRelay();
    await h.sync();
    await h.waitIdle();

    const accepted = h.sub.accepted;
    expect(accepted.filter((r) => r.type === 'lead.created')).toHaveLength(5);
    expect(accepted.filter((r) => r.type === 'lead.updated')).toHaveLength(1);
    for (const r of accepted.filter((x) => x.type === 'lead.created')) expect(idsWhileDown.has(r.id)).toBe(true);
    expect(new Set(accepted.map((r) => r.id)).size).toBe(accepted.length); // each event accepted once
    expect(await h.relay.store.integrityCheck()).toBe('ok');
  });
});
