// What only the PostgreSQL delivery queue has to get right (the contract suite covers the rest):
// a deadlock is retried, a database that goes away or times out fails the turn as a whole (never
// as per-record errors), and a starting replica voids no one's leases.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPgDeliveryOps } from '../../src/store/postgres/deliveries/index.js';
import { createPgSubscriptionOps } from '../../src/store/postgres/subscriptions/index.js';
import { openPgDeliveryFixture, scratchServer, stopScratchServer, type PgDeliveryFixture } from '../helpers/pg-scratch.js';
import { claimFor, eventsOfLeads, fanOutAll, outcome, record, T0, turnOf } from '../store-contract/deliveries-kit.js';
import { waitFor } from '../helpers/wait.js';

afterAll(stopScratchServer);

describe('PostgreSQL delivery queue', () => {
  let f: PgDeliveryFixture;
  let side: pg.Client;
  beforeEach(async () => {
    f = await openPgDeliveryFixture();
    side = new pg.Client({ connectionString: f.url });
    side.on('error', () => undefined); // cut by the restart test
    await side.connect();
  });
  afterEach(async () => {
    await side.end().catch(() => undefined);
    await f.close();
  });

  async function oneClaimed(sub: { id: string; origin?: 'hook' | 'api' }) {
    await f.addSubscription(sub);
    await f.appendEvents(eventsOfLeads(1, sub.id));
    await fanOutAll(f.deliveries);
    const [c] = await claimFor(f.deliveries, sub.id, 1, T0);
    return c!;
  }

  /** Resolves once some session waits for a lock held by another. */
  async function someoneWaitsForALock(): Promise<void> {
    await waitFor(async () => {
      const r = await f.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      return (r.rows[0] as { n: number }).n > 0;
    }, { what: 'a session waiting for a lock' });
  }

  it('keeps a row in delivery_leases per attempt in flight: the claim adds it, the outcome, a release or the subscription\'s deletion removes it', async () => {
    const leases = async () => (await f.sql('SELECT subscription_id, delivery_id, locked_until::float8 AS locked_until FROM delivery_leases ORDER BY delivery_id')).rows;
    await f.addSubscription({ id: 's' });
    await f.appendEvents(eventsOfLeads(3, 's'));
    await fanOutAll(f.deliveries);
    const [a, b, c] = await claimFor(f.deliveries, 's', 3, T0);
    expect(await leases()).toEqual([a!, b!, c!].map((x) => ({ subscription_id: 's', delivery_id: x.id, locked_until: T0 + 60_000 })));
    // A late outcome with an old token changes nothing, its lease row included.
    expect((await record(f.deliveries, [outcome({ ...a!, leaseToken: a!.leaseToken - 1 }, 'succeeded', T0 + 1)], T0 + 1)).recorded).toEqual([false]);
    expect(await leases()).toHaveLength(3);
    expect((await record(f.deliveries, [outcome(a!, 'succeeded', T0 + 1)], T0 + 1)).recorded).toEqual([true]);
    await f.deliveries.release(b!);
    expect((await leases()).map((l) => l.delivery_id)).toEqual([c!.id]);
    const pool = new pg.Pool({ connectionString: f.url, max: 1 });
    try {
      expect(await createPgSubscriptionOps(pool).delete('s')).toBe(true);
    } finally {
      await pool.end();
    }
    expect(await leases()).toEqual([]);
  });

  it('a REST hook removed by a 410 takes the lease rows of its other attempts in flight along', async () => {
    await f.addSubscription({ id: 'hook', origin: 'hook' });
    await f.appendEvents(eventsOfLeads(2, 'hook'));
    await fanOutAll(f.deliveries);
    const [gone, inFlight] = await claimFor(f.deliveries, 'hook', 2, T0);
    const count = async () => (await f.sql(`SELECT count(*)::int AS n FROM delivery_leases WHERE subscription_id = 'hook'`)).rows[0] as { n: number };
    expect(await count()).toEqual({ n: 2 });
    const r = await record(f.deliveries, [outcome(gone!, 'failed', T0 + 1, { statusCode: 410, disableSubscription: 'endpoint returned 410 Gone' })], T0 + 1);
    expect(r.recorded).toEqual([true]);
    expect(await f.subscription('hook')).toBeUndefined();
    expect(await f.deliveries.get(inFlight!.id)).toBeUndefined();
    expect(await count()).toEqual({ n: 0 });
  });

  it('runs a turn again when PostgreSQL breaks a deadlock by aborting it', async () => {
    const c = await oneClaimed({ id: 'hook', origin: 'hook' });
    // Another session locks the subscription, then (below) the delivery the turn has locked: a cycle.
    await side.query(`SET deadlock_timeout = '10s'`); // so the turn's session is the one PostgreSQL aborts
    await side.query('BEGIN');
    await side.query(`SELECT 1 FROM subscriptions WHERE id = 'hook' FOR UPDATE`);
    const turn = record(f.deliveries, [outcome(c, 'failed', T0 + 1)], T0 + 1);
    await someoneWaitsForALock();
    await side.query(`UPDATE deliveries SET updated_at = updated_at WHERE id = $1`, [c.id]);
    await side.query('COMMIT');
    expect((await turn).recorded).toEqual([true]);
    expect(await f.subscription('hook')).toMatchObject({ consecutiveFailures: 1, failingSince: T0 + 1 });
    expect((await f.deliveries.get(c.id))!.attemptLog).toHaveLength(1);
  });

  it('fails the whole turn on a statement timeout, recording nothing, and records it all next time', async () => {
    const c = await oneClaimed({ id: 's' });
    const pool = new pg.Pool({ connectionString: f.url, options: '-c statement_timeout=300' });
    pool.on('error', () => undefined);
    try {
      const ops = createPgDeliveryOps(pool);
      await side.query('BEGIN');
      await side.query(`SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE`, [c.id]);
      const failed = await ops.turn(turnOf({ now: T0 + 1, records: [outcome(c, 'failed', T0 + 1)] })).catch((err: unknown) => err);
      expect(failed).toMatchObject({ code: '57014' }); // thrown: not an Error per record, not claimError
      await side.query('COMMIT');
      expect((await f.deliveries.get(c.id))!.attemptLog).toEqual([]);
      expect((await ops.turn(turnOf({ now: T0 + 2, records: [outcome(c, 'failed', T0 + 2)] }))).recorded).toEqual([true]);
    } finally {
      await pool.end();
    }
  });

  it('fails the whole turn while the database is down, and goes on once it is back', async () => {
    await f.close();
    f = await openPgDeliveryFixture({ ownServer: true }); // a server this test may stop
    const c = await oneClaimed({ id: 's' });
    const server = await scratchServer();
    await server.stop();
    try {
      const failed = await record(f.deliveries, [outcome(c, 'succeeded', T0 + 1)], T0 + 1).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(Error);
    } finally {
      await server.resume();
    }
    expect((await record(f.deliveries, [outcome(c, 'succeeded', T0 + 2)], T0 + 2)).recorded).toEqual([true]);
    expect((await f.deliveries.get(c.id))!.status).toBe('succeeded');
  });

  it('fails a turn whose connection a restart cut while it was checked out, without an unhandled error event (a crash)', async () => {
    await side.end();
    await f.close();
    f = await openPgDeliveryFixture({ ownServer: true }); // a server this test may stop
    side = new pg.Client({ connectionString: f.url });
    side.on('error', () => undefined);
    await side.connect();
    const c = await oneClaimed({ id: 's' });
    // The turn's client is out of the pool, its statement waiting on a row another session holds.
    await side.query('BEGIN');
    await side.query('SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE', [c.id]);
    const turn = record(f.deliveries, [outcome(c, 'succeeded', T0 + 1)], T0 + 1).catch((err: unknown) => err);
    await someoneWaitsForALock();
    const server = await scratchServer();
    await server.stop();
    try {
      expect(await turn).toBeInstanceOf(Error);
    } finally {
      await server.resume();
    }
    // An 'error' event nobody listened to would have ended the process: this one is still here and goes on.
    expect((await record(f.deliveries, [outcome(c, 'succeeded', T0 + 2)], T0 + 2)).recorded).toEqual([true]);
  });

  it('fans out past a subscription deleted meanwhile instead of failing on it', async () => {
    await f.addSubscription({ id: 'stays' });
    await f.addSubscription({ id: 'going' });
    await f.appendEvents(eventsOfLeads(3));
    await side.query('BEGIN');
    await side.query(`DELETE FROM subscriptions WHERE id = 'going'`); // not committed: fan-out still sees it
    const turn = f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10 }));
    await someoneWaitsForALock();
    await side.query('COMMIT');
    const r = await turn;
    expect(r.claimError).toBeUndefined();
    expect(r.fannedOut).toBe(3);
    expect(await f.deliveries.listForSubscription('stays', { limit: 10 })).toHaveLength(3);
    expect(await f.deliveries.listForSubscription('going', { limit: 10 })).toEqual([]);
  });

  it('inserts deliveries only for the events its own delete took off the fan-out queue', async () => {
    // The advisory lock keeps fan-outs apart, but a replica granted it just after another's commit
    // may read from an older snapshot, listing events that one already took. Played here by a
    // session taking one event while the turn reads (and then waits for that row).
    await f.addSubscription({ id: 's' });
    const seqs = await f.appendEvents(eventsOfLeads(3));
    await side.query('BEGIN');
    await side.query(`DELETE FROM fanout_pending WHERE seq = $1`, [seqs[1]]);
    const turn = f.deliveries.turn(turnOf({ now: T0, fanOutLimit: 10 }));
    await someoneWaitsForALock();
    await side.query('COMMIT');
    expect((await turn).fannedOut).toBe(2);
    const made = await f.deliveries.listForSubscription('s', { limit: 10 });
    expect(made).toHaveLength(2);
  });

  it("a starting replica voids no lease: another replica's claims stay its own", async () => {
    await f.addSubscription({ id: 's' });
    await f.appendEvents(eventsOfLeads(2));
    await fanOutAll(f.deliveries);
    const held = await claimFor(f.deliveries, 's', 1, T0);
    const starting = f.replica();
    expect(await starting.releaseLeasesAtStart('replica-b')).toBe(0);
    const theirs = await claimFor(starting, 's', 5, T0 + 1);
    expect(theirs.map((c) => c.id)).not.toContain(held[0]!.id);
    expect(theirs).toHaveLength(1);
  });
});
