// Several replicas on one database at once (backends where that is possible): each delivery claimed
// by exactly one, one lead's deliveries never in flight together and always in order, each event
// fanned out exactly once, a subscription's maxConcurrency and its single probe held cluster-wide.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryOps } from '../../src/store/contract.js';
import type { ClaimedDelivery, RecordRequest } from '../../src/store/types.js';
import { sleep } from '../helpers/wait.js';
import { backends, claimFor, event, eventsOfLeads, fanOutAll, HEALTH, newId, outcome, stopBackendsAfterAll, T0, turnOf, type DeliveryFixture } from './deliveries-kit.js';

stopBackendsAfterAll();

const REPLICAS = 4;
const NO_BREAKER = { ...HEALTH, circuitBreakerAfter: 1_000_000 };

describe.each(backends.filter((b) => b.concurrent))('replicas racing ($name)', (backend) => {
  let f: DeliveryFixture;
  let replicas: DeliveryOps[];
  beforeEach(async () => {
    f = await backend.open();
    replicas = Array.from({ length: REPLICAS }, () => f.replica());
  });
  afterEach(async () => {
    await f.close();
  });

  /**
   * Every replica loops turns at one fixed time (leases never run out): it records what it finished
   * last turn and claims up to `limit`. `onClaim` sees each claim as it lands; `finish` says how each
   * attempt ends and runs just before its outcome is handed to the next turn (so from then on
   * another replica may see it). Stops once `total` deliveries succeeded. The circuit breaker is off:
   * with the clock standing still at T0, a circuit opened by three failures in a row (a 1-in-64 run
   * of random retries, several times per run across 4 replicas) would never close again, and the
   * test hung until its timeout (seen in ~1 of 3 runs).
   */
  async function work(opts: {
    sub: string;
    limit: number;
    total: number;
    onClaim(c: ClaimedDelivery): void;
    finish(c: ClaimedDelivery): 'succeeded' | 'retry';
  }): Promise<void> {
    let succeeded = 0;
    const deadline = Date.now() + 60_000;
    await Promise.all(
      replicas.map(async (ops) => {
        let finished: RecordRequest[] = [];
        while (succeeded < opts.total || finished.length > 0) {
          expect(Date.now(), 'the replicas stopped making progress').toBeLessThan(deadline);
          const r = await ops.turn(
            turnOf({
              now: T0,
              leaseUntil: T0 + 600_000,
              health: NO_BREAKER,
              records: finished,
              claims: [{ subscriptionId: opts.sub, limit: opts.limit }],
            }),
          );
          expect(r.recorded).toEqual(finished.map(() => true));
          finished = [];
          for (const c of r.claimed) opts.onClaim(c);
          // Let the other replicas' turns run while these attempts are "in flight".
          await sleep(r.claimed.length ? Math.random() * 3 : 2);
          for (const c of r.claimed) {
            const kind = opts.finish(c);
            if (kind === 'succeeded') succeeded++;
            finished.push(outcome(c, kind, T0, { nextAttemptAt: kind === 'retry' ? T0 : null }));
          }
        }
      }),
    );
  }

  it('claimers on separate connections claim each delivery exactly once', async () => {
    await f.addSubscription({ id: 's' });
    await f.appendEvents(eventsOfLeads(150));
    await fanOutAll(f.deliveries);
    const got = await Promise.all(
      replicas.map(async (ops) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await claimFor(ops, 's', 7, T0);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((c) => c.id));
        }
      }),
    );
    const all = got.flat();
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
    expect(got.filter((mine) => mine.length > 0).length).toBeGreaterThan(1); // they did race
  });

  it("keeps each lead's deliveries one at a time and in event order across replicas", async () => {
    await f.addSubscription({ id: 's' });
    const leads = 12;
    const perLead = 6;
    const events = [];
    for (let k = 0; k < perLead; k++) for (let l = 0; l < leads; l++) events.push(event(`L${l}`));
    const seqs = await f.appendEvents(events);
    await fanOutAll(f.deliveries);
    const expected = new Map<string, number[]>();
    events.forEach((e, i) => expected.set(e.leadId, [...(expected.get(e.leadId) ?? []), seqs[i]!]));

    const inFlight = new Set<string>();
    const violations: string[] = [];
    const delivered = new Map<string, number[]>();
    await work({
      sub: 's',
      limit: 5,
      total: leads * perLead,
      onClaim: (c) => {
        if (inFlight.has(c.event.leadId)) violations.push(`${c.event.leadId}: seq ${c.event.seq} claimed while another is in flight`);
        inFlight.add(c.event.leadId);
      },
      finish: (c) => {
        inFlight.delete(c.event.leadId);
        if (Math.random() < 0.25) return 'retry';
        delivered.set(c.event.leadId, [...(delivered.get(c.event.leadId) ?? []), c.event.seq]);
        return 'succeeded';
      },
    });
    expect(violations).toEqual([]);
    expect(delivered).toEqual(expected);
  });

  it('fans each event out exactly once while replicas fan out at the same time as events arrive', async () => {
    await f.addSubscription({ id: 'a' });
    await f.addSubscription({ id: 'b' });
    const total = 400;
    let appended = 0;
    const appender = (async () => {
      for (let i = 0; i < 8; i++) {
        await f.appendEvents(eventsOfLeads(total / 8, `batch${i}-`));
        appended += total / 8;
        await sleep(5);
      }
    })();
    let fannedOut = 0;
    const deadline = Date.now() + 60_000;
    await Promise.all(
      replicas.map(async (ops) => {
        while (fannedOut < total) {
          expect(Date.now(), 'fan-out stopped making progress').toBeLessThan(deadline);
          const r = await ops.turn(turnOf({ now: T0, fanOutLimit: 25 }));
          fannedOut += r.fannedOut;
          if (r.fannedOut === 0) await sleep(2);
        }
      }),
    );
    await appender;
    expect(appended).toBe(total);
    expect(fannedOut).toBe(total);
    for (const sub of ['a', 'b']) {
      const list = await f.deliveries.listForSubscription(sub, { limit: 1000 });
      expect(list).toHaveLength(total);
      expect(new Set(list.map((d) => d.eventId)).size).toBe(total);
    }
  });

  it("never leases more than a subscription's maxConcurrency, whichever replicas claim", async () => {
    await f.addSubscription({ id: 'capped', maxConcurrency: 3 });
    await f.appendEvents(eventsOfLeads(80));
    await fanOutAll(f.deliveries);
    let inFlight = 0;
    let most = 0;
    await work({
      sub: 'capped',
      limit: 5,
      total: 80,
      onClaim: () => {
        inFlight++;
        most = Math.max(most, inFlight);
      },
      finish: () => {
        inFlight--;
        return 'succeeded';
      },
    });
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it("counts every replica's failures of one subscription: none is lost to a concurrent write", async () => {
    await f.addSubscription({ id: 's' });
    await f.appendEvents(eventsOfLeads(48));
    await fanOutAll(f.deliveries);
    const claimed = await claimFor(f.deliveries, 's', 48, T0);
    expect(claimed).toHaveLength(48);
    await Promise.all(
      replicas.map(async (ops, r) => {
        const mine = claimed.filter((_c, i) => i % REPLICAS === r);
        // Two at a time: batches of one subscription's outcomes racing other replicas' batches.
        for (let i = 0; i < mine.length; i += 2) {
          const res = await ops.turn(turnOf({ now: T0 + 10 + i, records: mine.slice(i, i + 2).map((c) => outcome(c, 'failed', T0 + 10 + i)) }));
          expect(res.recorded).toEqual([true, true]);
        }
      }),
    );
    expect(await f.subscription('s')).toMatchObject({ consecutiveFailures: 48, failingSince: T0 + 10 });
  });

  it('queues a replayed event once when replicas requeue it at the same time', async () => {
    await f.addSubscription({ id: 's' });
    const events = eventsOfLeads(30);
    const seqs = await f.appendEvents(events);
    await fanOutAll(f.deliveries);
    const done = await claimFor(f.deliveries, 's', 30, T0);
    await f.deliveries.turn(turnOf({ now: T0 + 1, records: done.map((c) => outcome(c, 'succeeded', T0 + 1)) }));
    const stored = events.map((e, i) => ({ seq: seqs[i]!, sourceId: e.sourceId, leadId: e.leadId }));
    for (let round = 0; round < 3; round++) {
      const queued = await Promise.all(replicas.map((ops) => ops.requeue('s', stored, () => newId('dlv'), T0 + 2)));
      expect(queued.reduce((a, b) => a + b, 0)).toBe(round === 0 ? 30 : 0);
    }
    expect(await f.deliveries.pendingCount()).toBe(30);
  });

  it('lets exactly one probe through a circuit whose pause is over, however many replicas ask', async () => {
    await f.addSubscription({ id: 'half-open', circuitOpenUntil: T0 - 1, consecutiveFailures: 5, failingSince: T0 - 10_000 });
    await f.appendEvents(eventsOfLeads(10));
    await fanOutAll(f.deliveries);
    for (let round = 0; round < 10; round++) {
      const got = (await Promise.all(replicas.map((ops) => claimFor(ops, 'half-open', 5, T0)))).flat();
      expect(got).toHaveLength(1);
      await f.deliveries.release(got[0]!);
    }
  });
});
