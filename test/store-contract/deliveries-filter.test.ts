// The dashboard's delivery log over every backend (DeliveryOps.listForSubscription with a filter,
// countFailed, retryFailed): each filter narrows, pages stay in id order, and a bulk retry re-queues
// exactly the failed deliveries that match and had failed by the time given, in batches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/store/types.js';
import { backends, claimFor, event, outcome, record, stopBackendsAfterAll, T0, turnOf, type DeliveryFixture } from './deliveries-kit.js';

stopBackendsAfterAll();

describe.each(backends)('delivery log filters and bulk retry ($name)', (backend) => {
  let f: DeliveryFixture;
  beforeEach(async () => {
    f = await backend.open();
  });
  afterEach(async () => {
    await f.close();
  });

  const A = T0; // first batch fanned out
  const B = T0 + 10_000; // second batch
  const FAILED_AT = T0 + 20_000;

  /**
   * Subscription s: L1 created (fails), L2 created (succeeds), L3 updated (fails) fanned out at A;
   * L4 updated (fails), L5 created (fails) at B. Subscription other: one failed delivery.
   * Returns the delivery id by lead.
   */
  async function scenario(): Promise<Record<string, string>> {
    await f.addSubscription({ id: 's', sources: ['src'] });
    await f.addSubscription({ id: 'other', sources: ['elsewhere'] });
    await f.appendEvents([event('L1', { type: 'lead.created' }), event('L2', { type: 'lead.created' }), event('L3', { type: 'lead.updated' })]);
    await f.deliveries.turn(turnOf({ now: A, fanOutLimit: 10 }));
    await f.appendEvents([event('L4', { type: 'lead.updated' }), event('L5', { type: 'lead.created' }), event('X1', { sourceId: 'elsewhere', type: 'lead.created' })]);
    await f.deliveries.turn(turnOf({ now: B, fanOutLimit: 10 }));
    const claimed: ClaimedDelivery[] = [...(await claimFor(f.deliveries, 's', 10, FAILED_AT - 10)), ...(await claimFor(f.deliveries, 'other', 10, FAILED_AT - 10))];
    expect(claimed).toHaveLength(6);
    await record(
      f.deliveries,
      claimed.map((c) =>
        outcome(c, c.event.leadId === 'L2' ? 'succeeded' : 'failed', FAILED_AT, {
          responseHeaders: [
            ['content-type', 'text/plain'],
            ['x-lead', c.event.leadId],
          ],
        }),
      ),
      FAILED_AT,
    );
    return Object.fromEntries(claimed.map((c) => [c.event.leadId, c.id]));
  }

  const leads = async (filter: Parameters<DeliveryFixture['deliveries']['listForSubscription']>[1], sub = 's') =>
    (await f.deliveries.listForSubscription(sub, filter)).map((d) => d.leadId);

  it('each filter narrows the list, newest first; they combine', async () => {
    await scenario();
    expect(await leads({ limit: 50 })).toEqual(['L5', 'L4', 'L3', 'L2', 'L1']);
    expect(await leads({ status: 'failed', limit: 50 })).toEqual(['L5', 'L4', 'L3', 'L1']);
    expect(await leads({ status: 'succeeded', limit: 50 })).toEqual(['L2']);
    expect(await leads({ status: 'pending', limit: 50 })).toEqual([]);
    expect(await leads({ eventType: 'lead.created', limit: 50 })).toEqual(['L5', 'L2', 'L1']);
    expect(await leads({ leadId: 'L3', limit: 50 })).toEqual(['L3']);
    expect(await leads({ leadId: 'X1', limit: 50 })).toEqual([]); // another subscription's
    expect(await leads({ since: B, limit: 50 })).toEqual(['L5', 'L4']);
    expect(await leads({ until: B, limit: 50 })).toEqual(['L3', 'L2', 'L1']);
    expect(await leads({ since: A, until: A + 1, status: 'failed', eventType: 'lead.created', limit: 50 })).toEqual(['L1']);
  });

  it('pages with `before` (the last id of the previous page) under a filter', async () => {
    await scenario();
    const first = await f.deliveries.listForSubscription('s', { status: 'failed', limit: 2 });
    expect(first.map((d) => d.leadId)).toEqual(['L5', 'L4']);
    const second = await f.deliveries.listForSubscription('s', { status: 'failed', limit: 2, before: first.at(-1)!.id });
    expect(second.map((d) => d.leadId)).toEqual(['L3', 'L1']);
    expect(await f.deliveries.listForSubscription('s', { status: 'failed', limit: 2, before: second.at(-1)!.id })).toEqual([]);
  });

  it("keeps each attempt's response headers; gives a delivery's webhook body as stored", async () => {
    const ids = await scenario();
    expect(JSON.parse((await f.deliveries.body(ids.L3!))!)).toMatchObject({ type: 'lead.updated', data: { id: 'L3', source: 'src' } });
    expect(await f.deliveries.body('dlv_unknown')).toBeUndefined();
    const d = await f.deliveries.get(ids.L3!);
    expect(d!.attemptLog).toHaveLength(1);
    expect(d!.attemptLog[0]!.responseHeaders).toEqual([
      ['content-type', 'text/plain'],
      ['x-lead', 'L3'],
    ]);
  });

  it('counts the failed deliveries that match and had failed by the given time, up to a limit', async () => {
    await scenario();
    expect(await f.deliveries.countFailed('s', {}, FAILED_AT, 1000)).toBe(4);
    expect(await f.deliveries.countFailed('s', {}, FAILED_AT, 3)).toBe(3);
    expect(await f.deliveries.countFailed('s', { eventType: 'lead.created' }, FAILED_AT, 1000)).toBe(2);
    expect(await f.deliveries.countFailed('s', { leadId: 'L3' }, FAILED_AT, 1000)).toBe(1);
    expect(await f.deliveries.countFailed('s', { since: B }, FAILED_AT, 1000)).toBe(2);
    expect(await f.deliveries.countFailed('s', {}, FAILED_AT - 1, 1000)).toBe(0); // none had failed yet
    expect(await f.deliveries.countFailed('other', {}, FAILED_AT, 1000)).toBe(1);
  });

  it('re-queues exactly the matching failed deliveries, in batches, as manual attempts due now; the circuit closes', async () => {
    const ids = await scenario();
    // Four failures in a row opened the circuit (threshold 3).
    expect((await f.subscription('s'))!.circuitOpenUntil).not.toBeNull();
    const NOW = FAILED_AT + 5_000;
    const batches: number[] = [];
    for (;;) {
      const n = await f.deliveries.retryFailed('s', { eventType: 'lead.created' }, FAILED_AT, NOW, 1);
      batches.push(n);
      if (n < 1) break;
    }
    expect(batches).toEqual([1, 1, 0]);
    const status = async (lead: string) => (await f.deliveries.get(ids[lead]!))!;
    for (const lead of ['L1', 'L5']) expect(await status(lead)).toMatchObject({ status: 'pending', nextAttemptAt: NOW, completedAt: null });
    expect((await status('L2')).status).toBe('succeeded');
    for (const lead of ['L3', 'L4']) expect((await status(lead)).status).toBe('failed');
    expect((await f.deliveries.get(ids.X1!))!.status).toBe('failed'); // another subscription's
    expect((await f.subscription('s'))!.circuitOpenUntil).toBeNull();
    expect((await f.subscription('other'))!.circuitOpenUntil).toBeNull(); // one failure: never opened

    // The next claim takes them, each a manual attempt.
    const again = await claimFor(f.deliveries, 's', 10, NOW);
    expect(again.map((c) => [c.event.leadId, c.manual]).sort()).toEqual([
      ['L1', true],
      ['L5', true],
    ]);
    expect(await f.deliveries.countFailed('s', { eventType: 'lead.created' }, NOW, 1000)).toBe(0);
  });

  it('leaves out deliveries that failed after the time given (the count the operator confirmed)', async () => {
    await scenario();
    // L3's delivery is retried and fails again later: it failed after what was shown.
    const [l3] = (await f.deliveries.listForSubscription('s', { leadId: 'L3', limit: 1 }));
    expect(await f.deliveries.retryNow(l3!.id, FAILED_AT + 1_000)).toBeDefined();
    const [c] = await claimFor(f.deliveries, 's', 10, FAILED_AT + 1_000);
    await record(f.deliveries, [outcome(c!, 'failed', FAILED_AT + 2_000)], FAILED_AT + 2_000);
    expect(await f.deliveries.countFailed('s', {}, FAILED_AT, 1000)).toBe(3);
    expect(await f.deliveries.retryFailed('s', {}, FAILED_AT, FAILED_AT + 3_000, 100)).toBe(3);
    expect((await f.deliveries.get(l3!.id))!.status).toBe('failed');
    expect(await f.deliveries.retryFailed('s', {}, FAILED_AT, FAILED_AT + 3_000, 100)).toBe(0);
  });
});
