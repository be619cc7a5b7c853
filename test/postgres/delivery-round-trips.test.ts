// SQL round trips per delivered webhook on PostgreSQL (issue #13: at most 3 in steady state): a
// worker's loop over 1,000 events to one subscription, each turn recording the outcomes of the
// previous one and claiming the next batch, fan-out included, every query counted (BEGIN and COMMIT too).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPgDeliveryOps } from '../../src/store/postgres/deliveries/index.js';
import type { ClaimedDelivery } from '../../src/store/types.js';
import { countingDb, openPgDeliveryFixture, stopScratchServer, type PgDeliveryFixture } from '../helpers/pg-scratch.js';
import { eventsOfLeads, outcome, T0, turnOf } from '../store-contract/deliveries-kit.js';

afterAll(stopScratchServer);

const EVENTS = 1_000;
const FANOUT_LIMIT = 100;

describe('PostgreSQL delivery round trips', () => {
  let f: PgDeliveryFixture;
  let pool: pg.Pool;
  beforeEach(async () => {
    f = await openPgDeliveryFixture();
    pool = new pg.Pool({ connectionString: f.url, max: 2 });
    await f.addSubscription({ id: 's' });
    const events = eventsOfLeads(EVENTS);
    for (let i = 0; i < EVENTS; i += 100) await f.appendEvents(events.slice(i, i + 100)); // pages, as sync commits them
  });
  afterEach(async () => {
    await pool.end();
    await f.close();
  });

  /** Runs the loop with up to `perTurn` claims a turn; returns round trips per delivered webhook. */
  async function steadyState(perTurn: number): Promise<number> {
    const counted = countingDb(pool);
    const ops = createPgDeliveryOps(counted.db);
    let delivered = 0;
    let finished: ClaimedDelivery[] = [];
    let fanOut = true;
    for (let turn = 0; delivered < EVENTS; turn++) {
      expect(turn).toBeLessThan(10 * EVENTS);
      const now = T0 + turn;
      const r = await ops.turn(
        turnOf({
          now,
          records: finished.map((c) => outcome(c, 'succeeded', now)),
          fanOutLimit: fanOut ? FANOUT_LIMIT : 0,
          claims: [{ subscriptionId: 's', limit: perTurn }],
        }),
      );
      expect(r.recorded.every((x) => x === true)).toBe(true);
      delivered += r.recorded.length;
      fanOut = r.fannedOut === FANOUT_LIMIT; // "call again soon", as the worker does
      finished = r.claimed;
    }
    const trips = counted.roundTrips();
    expect(await f.deliveries.pendingCount()).toBe(0);
    return trips / EVENTS;
  }

  it('stays at or under 3 per webhook in turns of 32 (and says how many)', async () => {
    const perWebhook = await steadyState(32);
    console.info(`PostgreSQL: ${perWebhook.toFixed(3)} SQL round trips per delivered webhook (turns of 32, ${EVENTS} events, fan-out ${FANOUT_LIMIT} a turn)`);
    expect(perWebhook).toBeLessThanOrEqual(3);
  });

  it('costs a fixed number per turn however small: one delivery a turn', async () => {
    const perWebhook = await steadyState(1);
    console.info(`PostgreSQL: ${perWebhook.toFixed(3)} SQL round trips per delivered webhook (turns of 1)`);
    // BEGIN, outcomes, claim, COMMIT, plus the fan-out spread over the events.
    expect(perWebhook).toBeLessThanOrEqual(4.1);
  });
});
