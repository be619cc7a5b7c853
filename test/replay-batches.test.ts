// A big replay (POST /v1/subscriptions/:id/replay) goes in batches, each its own transaction, with
// the event loop free in between: the API keeps answering while it runs, and the result is whole.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers/harness.js';

let h: Harness;
let raw: Database.Database | undefined;
afterEach(async () => {
  raw?.close();
  raw = undefined;
  await h?.stop();
});

const N = 20_000;
const T0 = Date.parse('2026-05-14T12:00:00.000Z');

/** N detected events an hour apart from T0 (as the sync would have appended them), plus a few test pings. */
function seedEvents(db: Database.Database): void {
  const insert = db.prepare(`INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, ?, 'apten', ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const at = new Date(T0 + i * 1000).toISOString();
      const body = JSON.stringify({ type: 'lead.created', timestamp: at, data: { source: 'apten', lead: { id: `lead_${i}` } } });
      insert.run(`evt_replay_${i}`, 'lead.created', `lead_${i % 3000}`, at, body);
      if (i % 5000 === 0) insert.run(`evt_ping_${i}`, 'ping', '', at, '{}');
    }
  })();
}

/**
 * Disabled before any event exists: fan-out queues nothing for it and the worker sends nothing,
 * so only the replay queues deliveries.
 */
async function disabledSubscription(): Promise<string> {
  const created = await h.api('POST', '/v1/subscriptions', { url: 'https://93.184.216.34/hook' });
  expect(created.status).toBe(201);
  expect((await h.api('PATCH', `/v1/subscriptions/${created.body.id}`, { enabled: false })).status).toBe(200);
  return created.body.id;
}

describe('replay in batches', () => {
  it('a 20,000-event replay lets GET /healthz through while it runs, and queues every event exactly once', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const id = await disabledSubscription();
    raw = new Database(join(h.dir, 'relay.db'));
    seedEvents(raw);
    const queuedSoFar = () => (raw!.prepare(`SELECT count(*) AS n FROM deliveries WHERE subscription_id = ?`).get(id) as { n: number }).n;

    let replayAnswered = false;
    const replay = h.api('POST', `/v1/subscriptions/${id}/replay`, { since: new Date(T0).toISOString() }).finally(() => {
      replayAnswered = true;
    });
    // Once the first batch is committed, ask for /healthz. A replay done in one synchronous call
    // commits all or nothing and answers nothing in between, so neither check below could hold.
    while (queuedSoFar() === 0 && !replayAnswered) await new Promise((r) => setImmediate(r));
    const health = await h.api('GET', '/healthz');
    const queuedWhenHealthAnswered = queuedSoFar();
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(replayAnswered).toBe(false);
    expect(queuedWhenHealthAnswered).toBeGreaterThan(0);
    expect(queuedWhenHealthAnswered).toBeLessThan(N);

    const res = await replay;
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ subscriptionId: id, matched: N, queued: N });
    const rows = raw.prepare(`SELECT count(*) AS n, count(DISTINCT event_seq) AS seqs FROM deliveries WHERE subscription_id = ?`).get(id);
    expect(rows).toEqual({ n: N, seqs: N });
    const pings = raw.prepare(`SELECT count(*) AS n FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE e.type = 'ping'`).get();
    expect(pings).toEqual({ n: 0 });

    // Again, while they are all still pending: every event matched, none queued twice.
    const again = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: new Date(T0).toISOString() });
    expect(again.body).toMatchObject({ matched: N, queued: 0 });
    expect(queuedSoFar()).toBe(N);
  });

  it('a range past the limit is refused before anything is queued', async () => {
    h = await new Harness({ subscriptions: () => [] }).start();
    const id = await disabledSubscription();
    raw = new Database(join(h.dir, 'relay.db'));
    seedEvents(raw);
    const { MAX_REPLAY_EVENTS } = await import('../src/api/routes/replay.js');
    expect(MAX_REPLAY_EVENTS).toBe(100_000);
    // Stretch the seeded range past the limit with cheap copies.
    raw.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 4)
      INSERT INTO events (id, type, source_id, lead_id, created_at, body)
      SELECT e.id || '_' || k.i, e.type, e.source_id, e.lead_id, e.created_at, e.body FROM events e, k WHERE e.type <> 'ping'`);
    const res = await h.api('POST', `/v1/subscriptions/${id}/replay`, { since: new Date(T0).toISOString() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('range_too_large');
    expect(res.body.error.details[0].field).toBe('until');
    expect(raw.prepare(`SELECT count(*) AS n FROM deliveries`).get()).toEqual({ n: 0 });
  });
});
