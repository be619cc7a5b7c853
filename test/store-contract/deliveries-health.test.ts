// The subscription-health rules applied with each recorded outcome (DeliveryOps.turn), over every
// backend: the circuit breaker (threshold, in-flight failures, doubling probes), auto-disable, a
// disabling outcome and a REST hook's 410; and a batch giving what the same outcomes give one by one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HealthPolicy, RecordRequest, Subscription } from '../../src/store/types.js';
import { backends, claimFor, event, fanOutAll, HEALTH, outcome, record, stopBackendsAfterAll, T0, turnOf, type DeliveryFixture } from './deliveries-kit.js';

stopBackendsAfterAll();

const PATIENT: HealthPolicy = { ...HEALTH, autoDisableAfterMs: 86_400_000, autoDisableAfterText: '1d' };

describe.each(backends)('subscription health ($name)', (backend) => {
  let f: DeliveryFixture;
  beforeEach(async () => {
    f = await backend.open();
  });
  afterEach(async () => {
    await f.close();
  });

  /** n deliveries of distinct leads for this subscription only (the events come from its own source). */
  async function deliveriesFor(sub: Partial<Subscription> & { id: string }, n: number): Promise<void> {
    const source = `src-${sub.id}`;
    await f.addSubscription({ ...sub, sources: [source] });
    await f.appendEvents(Array.from({ length: n }, (_v, i) => event(`${sub.id}-${i}`, { sourceId: source })));
    await fanOutAll(f.deliveries);
  }

  const health = async (id: string) => {
    const s = await f.subscription(id);
    return s && { consecutiveFailures: s.consecutiveFailures, failingSince: s.failingSince, circuitOpenUntil: s.circuitOpenUntil, enabled: s.enabled };
  };

  it('opens the circuit at the threshold; failures in flight do not extend it; failed probes double the pause up to 32 times', async () => {
    await deliveriesFor({ id: 's' }, 20);
    const inFlight = await claimFor(f.deliveries, 's', 5, T0);
    const fail = (i: number, at: number) => record(f.deliveries, [outcome(inFlight[i]!, 'failed', at)], at, { health: PATIENT });
    await fail(0, T0 + 10);
    await fail(1, T0 + 20);
    expect(await health('s')).toEqual({ consecutiveFailures: 2, failingSince: T0 + 10, circuitOpenUntil: null, enabled: true });
    await fail(2, T0 + 30);
    expect(await health('s')).toMatchObject({ consecutiveFailures: 3, circuitOpenUntil: T0 + 1_030 });
    await fail(3, T0 + 40);
    await fail(4, T0 + 50);
    expect(await health('s')).toMatchObject({ consecutiveFailures: 5, circuitOpenUntil: T0 + 1_030 });

    // Each probe fails 100 ms after its pause ended: 2, 4, 8, 16, 32, then 32 times the cooldown again.
    let openUntil = T0 + 1_030;
    for (const factor of [2, 4, 8, 16, 32, 32]) {
      expect(await claimFor(f.deliveries, 's', 5, openUntil - 1)).toEqual([]);
      const probes = await claimFor(f.deliveries, 's', 5, openUntil);
      expect(probes).toHaveLength(1);
      const at = openUntil + 100;
      await record(f.deliveries, [outcome(probes[0]!, 'failed', at)], at, { health: PATIENT });
      openUntil = at + 1_000 * factor;
      expect((await health('s'))!.circuitOpenUntil).toBe(openUntil);
    }

    // A probe that succeeds closes it, and the count starts over: the next opening is one cooldown.
    const [ok] = await claimFor(f.deliveries, 's', 5, openUntil);
    await record(f.deliveries, [outcome(ok!, 'succeeded', openUntil + 1)], openUntil + 1, { health: PATIENT });
    expect(await health('s')).toEqual({ consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null, enabled: true });
    const t = openUntil + 10;
    const three = await claimFor(f.deliveries, 's', 3, t);
    await record(f.deliveries, three.map((c) => outcome(c, 'failed', t + 1)), t + 1, { health: PATIENT });
    expect((await health('s'))!.circuitOpenUntil).toBe(t + 1 + 1_000);
    const [probe] = await claimFor(f.deliveries, 's', 1, t + 1_001);
    await record(f.deliveries, [outcome(probe!, 'failed', t + 1_002)], t + 1_002, { health: PATIENT });
    expect((await health('s'))!.circuitOpenUntil).toBe(t + 1_002 + 2_000);
  });

  it('auto-disables once every attempt failed for autoDisableAfterMs, saying since when', async () => {
    await deliveriesFor({ id: 's' }, 3);
    const [a, b, c] = await claimFor(f.deliveries, 's', 3, T0);
    await record(f.deliveries, [outcome(a!, 'retry', T0 + 1_500)], T0 + 1_500);
    await record(f.deliveries, [outcome(b!, 'retry', T0 + 61_499)], T0 + 61_499);
    expect((await health('s'))!.enabled).toBe(true);
    await record(f.deliveries, [outcome(c!, 'retry', T0 + 61_500)], T0 + 61_500);
    const s = await f.subscription('s');
    expect(s).toMatchObject({
      enabled: false,
      disabledAt: T0 + 61_500,
      // Whole seconds, as SQLite's strftime writes them (22:13:21.5 → 22:13:21).
      disabledReason: 'every attempt failed for more than 1m (since 2023-11-14T22:13:21Z)',
      updatedAt: new Date(T0 + 61_500).toISOString(),
    });
    expect(await f.deliveries.pendingCount()).toBe(0); // its deliveries wait, not counted
  });

  it('an outcome that disables the subscription disables it with its reason, once', async () => {
    await deliveriesFor({ id: 'api-sub' }, 3);
    const [a, b, c] = await claimFor(f.deliveries, 'api-sub', 3, T0);
    const gone = outcome(a!, 'failed', T0 + 1, { statusCode: 410, disableSubscription: 'the endpoint answered 410 Gone' });
    const r = await record(f.deliveries, [gone, outcome(b!, 'succeeded', T0 + 2)], T0 + 2);
    expect(r.recorded).toEqual([true, true]);
    expect(await f.subscription('api-sub')).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone', disabledAt: T0 + 1 });
    const again = outcome(c!, 'failed', T0 + 3, { statusCode: null, disableSubscription: 'something else' });
    await record(f.deliveries, [again], T0 + 3);
    expect(await f.subscription('api-sub')).toMatchObject({ disabledReason: 'the endpoint answered 410 Gone', disabledAt: T0 + 1 });
  });

  it("removes a REST hook answered 410, its deliveries with it; the batch's later outcomes for it find nothing", async () => {
    await deliveriesFor({ id: 'hook', origin: 'hook' }, 3);
    await deliveriesFor({ id: 'other' }, 1);
    const [h1, h2] = await claimFor(f.deliveries, 'hook', 3, T0);
    const [o1] = await claimFor(f.deliveries, 'other', 1, T0);
    const r = await record(
      f.deliveries,
      [
        outcome(h1!, 'failed', T0 + 1, { statusCode: 410, disableSubscription: 'the endpoint answered 410 Gone' }),
        outcome(h2!, 'succeeded', T0 + 2),
        outcome(o1!, 'succeeded', T0 + 3),
      ],
      T0 + 3,
    );
    expect(r.recorded).toEqual([true, false, true]);
    expect(await f.subscription('hook')).toBeUndefined();
    expect(await f.deliveries.get(h1!.id)).toBeUndefined();
    expect(await f.deliveries.listForSubscription('hook', { limit: 10 })).toEqual([]);
    expect((await f.deliveries.get(o1!.id))!.status).toBe('succeeded');

    // Another reason on a hook (not a 410) disables it like any subscription.
    await deliveriesFor({ id: 'hook2', origin: 'hook' }, 1);
    const [x] = await claimFor(f.deliveries, 'hook2', 1, T0);
    await record(f.deliveries, [outcome(x!, 'failed', T0 + 4, { statusCode: null, disableSubscription: 'unsafe target' })], T0 + 4);
    expect(await f.subscription('hook2')).toMatchObject({ enabled: false, disabledReason: 'unsafe target' });
  });

  it('a batch of outcomes leaves the same health as the same outcomes recorded one by one', async () => {
    const step = fc.record({
      kind: fc.constantFrom('succeeded', 'retry', 'failed', 'gone'),
      dt: fc.integer({ min: 1, max: 40_000 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), fc.constantFrom('api', 'hook'), async (steps, origin) => {
        run++;
        const results: Record<string, unknown> = {};
        const ids = { batch: `b${run}`, single: `o${run}` };
        const requests: Record<string, RecordRequest[]> = {};
        for (const [mode, id] of Object.entries(ids)) {
          await deliveriesFor({ id, origin: origin as Subscription['origin'] }, steps.length);
          const claimed = await claimFor(f.deliveries, id, steps.length, T0);
          let at = T0;
          requests[mode] = steps.map((s, i) => {
            at += s.dt;
            return s.kind === 'gone'
              ? outcome(claimed[i]!, 'failed', at, { statusCode: 410, disableSubscription: 'the endpoint answered 410 Gone' })
              : outcome(claimed[i]!, s.kind as 'succeeded', at);
          });
        }
        const last = requests.batch!.at(-1)!.now;
        const batch = (await f.deliveries.turn(turnOf({ now: last, records: requests.batch! }))).recorded;
        const single: Array<boolean | Error> = [];
        for (const r of requests.single!) single.push(...(await f.deliveries.turn(turnOf({ now: r.now, records: [r] }))).recorded);
        expect(batch).toEqual(single);
        for (const [mode, id] of Object.entries(ids)) {
          const s = await f.subscription(id);
          results[mode] = s && {
            enabled: s.enabled,
            disabledReason: s.disabledReason,
            disabledAt: s.disabledAt,
            failingSince: s.failingSince,
            consecutiveFailures: s.consecutiveFailures,
            circuitOpenUntil: s.circuitOpenUntil,
            updatedAt: s.updatedAt,
          };
          const views = await f.deliveries.listForSubscription(id, { limit: 100 });
          results[`${mode}-deliveries`] = views.map((v) => [v.status, v.attempts, v.attemptLog.length]).sort();
        }
        expect(results.batch).toEqual(results.single);
        expect(results['batch-deliveries']).toEqual(results['single-deliveries']);
      }),
      { numRuns: 40 },
    );
  });
});
