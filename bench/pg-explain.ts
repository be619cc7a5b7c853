// A diagnostic (BENCHMARKS.md "PostgreSQL and replicas"): the plans PostgreSQL picks for the delivery log's filters, the bulk
// retry, the queue metrics, the per-minute figure and retention, on 200,000 deliveries (97%
// succeeded, 2% failed, 1% pending) over 3 subscriptions, through the store's own calls; the plans
// logged by auto_explain, printed as one line each (node-scan summary).
//   node --import tsx bench/pg-explain.ts
import pg from 'pg';
import { openPgStore } from '../src/store/postgres/index.js';
import { PgServer } from '../test/helpers/pg-server.js';
import { ensurePostgres } from '../test/helpers/pg-install.js';

ensurePostgres();
let log = '';
const server = await PgServer.start({
  durable: false,
  log: (t) => (log += t),
  settings: { shared_preload_libraries: 'auto_explain', 'auto_explain.log_min_duration': '0', 'auto_explain.log_analyze': 'on', 'auto_explain.log_buffers': 'on' },
});
const T = 1_700_000_000_000;
try {
  const url = server.url();
  const store = await openPgStore({ url, poolSize: 1 });
  const c = new pg.Client(url);
  await c.connect();
  await c.query(`INSERT INTO subscriptions (id, url, secret, events, origin, created_at, updated_at)
                 SELECT 's' || i, 'http://127.0.0.1:9/', 'whsec_x', '["*"]', 'api', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.000Z' FROM generate_series(1, 3) i`);
  await c.query(`INSERT INTO events (id, type, source_id, lead_id, created_at, body)
                 SELECT 'evt_' || lpad(i::text, 8, '0'), CASE WHEN i % 10 = 0 THEN 'lead.created' ELSE 'lead.updated' END, 'src', 'lead-' || (i % 5000),
                        to_char(to_timestamp(($1::bigint + i * 1000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '{}'
                 FROM generate_series(1, 200000) i`, [T]);
  await c.query(`INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
                 SELECT 'dlv_' || lpad(e.seq::text, 8, '0'), 's' || (1 + e.seq % 3), e.seq, 'src/' || e.lead_id,
                        CASE WHEN e.seq > 198000 THEN 'pending' WHEN e.seq % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 1,
                        $1::bigint + e.seq * 1000, $1::bigint + e.seq * 1000, $1::bigint + e.seq * 1000,
                        CASE WHEN e.seq > 198000 THEN NULL ELSE $1::bigint + e.seq * 1000 + 50 END
                 FROM events e`, [T]);
  await c.query(`INSERT INTO delivery_attempts (id, delivery_id, subscription_id, attempt, trigger, started_at, duration_ms, status_code)
                 SELECT 'att_' || substr(d.id, 5), d.id, d.subscription_id, 1, 'scheduled', d.created_at, 5, CASE WHEN d.status = 'failed' THEN 500 ELSE 200 END
                 FROM deliveries d WHERE d.status <> 'pending'`);
  await c.query('VACUUM ANALYZE');
  const mid = T + 100_000 * 1000;
  const runs: Array<[string, () => Promise<unknown>]> = [];
  for (const status of [undefined, 'succeeded', 'failed', 'pending'] as const) {
    for (const eventType of [undefined, 'lead.created'] as const) {
      for (const leadId of [undefined, 'lead-17'] as const) {
        for (const range of [false, true]) {
          const f = { status, eventType, leadId, ...(range ? { since: mid, until: mid + 3_600_000 } : {}) };
          const name = `list ${JSON.stringify(f)}`;
          runs.push([name, () => store.deliveries.listForSubscription('s1', { ...f, limit: 50 })]);
          runs.push([`${name} page 2`, () => store.deliveries.listForSubscription('s1', { ...f, limit: 50, before: 'dlv_00150000' })]);
          if (status === undefined) {
            runs.push([`countFailed ${name}`, () => store.deliveries.countFailed('s1', { eventType, leadId, ...(range ? { since: mid, until: mid + 3_600_000 } : {}) }, T + 10_000_000_000, 1000)]);
          }
        }
      }
    }
  }
  runs.push(['queueBySubscription', () => store.deliveries.queueBySubscription()]);
  runs.push(['pendingCount', () => store.deliveries.pendingCount()]);
  runs.push(['perMinute', () => store.deliveryStats.perMinute(mid, mid + 3_600_000)]);
  runs.push(['retention', () => store.retention.deleteFinishedDeliveries(T + 50_000 * 1000, 500)]);
  for (const [name, run] of runs) {
    // Each statement planned at its first runs, as in a relay: run it 7 times (custom then generic plans).
    for (let i = 0; i < 7; i++) {
      log = '';
      await run();
    }
    const plan = log
      .split('\n')
      .filter((l) => /Scan|Join|Loop|Sort|Limit|Execution Time|duration/.test(l))
      .map((l) => l.replace(/^.*LOG:\s+/, '').trim().replace(/\(cost=[^)]*\)\s*/, '').replace(/\s+/g, ' '))
      .filter((l) => !l.startsWith('Sort Key'))
      .join(' | ');
    console.log(`${name}\n    ${plan.slice(0, 900)}`);
  }
  await c.end();
  await store.close();
} finally {
  await server.destroy();
}
