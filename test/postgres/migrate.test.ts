// PostgreSQL migrations: replicas starting together on a new database migrate it exactly once,
// each migration is all-or-nothing, and a schema newer than the code is refused and left untouched.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { LATEST_PG_SCHEMA, migrate } from '../../src/store/postgres/migrate.js';
import { pgMigrations } from '../../src/store/postgres/migrations/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { turnOf } from '../store-contract/deliveries-kit.js';

const opened: PgStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Tables, columns and indexes of the public schema, and the recorded migrations: to compare before and after. */
async function shape(url: string): Promise<unknown> {
  return {
    columns: await sql(url, `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`),
    indexes: await sql(url, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    migrations: await sql(url, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`).catch(() => null),
  };
}

describe('migrations', () => {
  it('ten replicas opening a new database at once all succeed, and each migration is applied once', async () => {
    const url = await freshPgDatabase();
    const stores = await Promise.all(Array.from({ length: 10 }, (_, i) => openPgStore({ url, poolSize: 2, replicaId: `boot-${i}` })));
    opened.push(...stores);
    const rows = await sql<{ version: number; n: string }>(url, 'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(rows).toEqual(pgMigrations.map((m) => ({ version: m.version, n: '1' })));
    // And the schema works from every one of them.
    await Promise.all(stores.map((s, i) => s.sources.register([{ id: `s${i}`, vendor: 'apten' }], 0)));
    expect(await stores[0]!.sources.list()).toHaveLength(10);
  });

  it('leaves an up-to-date database as it is when opened again', async () => {
    const url = await freshPgDatabase();
    opened.push(await openPgStore({ url }));
    const before = await shape(url);
    expect((await migrate({ connectionString: url }, 'test')).applied).toEqual([]);
    opened.push(await openPgStore({ url }));
    expect(await shape(url)).toEqual(before);
  });

  it('refuses a database whose schema is newer than this code, naming both versions, and changes nothing', async () => {
    const url = await freshPgDatabase();
    opened.push(await openPgStore({ url }));
    await sql(url, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', '2030-01-01T00:00:00.000Z')`, [LATEST_PG_SCHEMA + 1]);
    await sql(url, `CREATE TABLE future_things (id TEXT)`);
    const before = await shape(url);
    const refused = openPgStore({ url: url.replace('leadrelay@', 'leadrelay:s3cret-pw@') });
    await expect(refused).rejects.toMatchObject({
      code: 'storage_too_new',
      message: expect.stringContaining(`schema version ${LATEST_PG_SCHEMA + 1}, newer than this leadrelay knows (${LATEST_PG_SCHEMA})`),
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining('s3cret') });
    expect(await shape(url)).toEqual(before);
  });

  it('applies each migration in its own transaction: a failing one leaves no trace, earlier ones stay', async () => {
    const url = await freshPgDatabase();
    const good = { version: 1, name: 'good', sql: 'CREATE TABLE t1 (id INT);' };
    const bad = { version: 2, name: 'bad', sql: 'CREATE TABLE t2 (id INT); SELECT no_such_function();' };
    await expect(migrate({ connectionString: url }, 'test', [good, bad])).rejects.toThrow(/migration 2 \(bad\) failed/);
    expect(await sql(url, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    expect(await sql(url, `SELECT to_regclass('t1') IS NOT NULL AS t1, to_regclass('t2') IS NOT NULL AS t2`)).toEqual([{ t1: true, t2: false }]);
    // Fixed, it goes on from where it stopped.
    expect((await migrate({ connectionString: url }, 'test', [good, { ...bad, sql: 'CREATE TABLE t2 (id INT);' }])).applied).toEqual([2]);
  });

  it('migration 6 runs on a database with data: live leases move into delivery_leases and still gate claims, indexes as listed', async () => {
    const url = await freshPgDatabase();
    expect((await migrate({ connectionString: url }, 'test', pgMigrations.filter((m) => m.version <= 5))).applied).toEqual([1, 2, 3, 4, 5]);
    const T = 1_700_000_000_000;
    await sql(
      url,
      `INSERT INTO subscriptions (id, url, secret, events, max_concurrency, origin, created_at, updated_at)
       VALUES ('s', 'http://127.0.0.1:9/', 'whsec_x', '["*"]', 1, 'api', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.000Z')`,
    );
    await sql(
      url,
      `INSERT INTO events (id, type, source_id, lead_id, created_at, body)
       SELECT 'evt_' || i, 'lead.updated', 'src', 'lead-' || i, '2023-11-14T22:13:20.000Z', '{}' FROM generate_series(1, 4) i`,
    );
    // dlv_1: leased (an attempt in flight until T + 60 s); dlv_2: due; dlv_3: succeeded; dlv_4: failed.
    await sql(
      url,
      `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, locked_until, lease_token, created_at, updated_at, completed_at)
       SELECT 'dlv_' || e.seq, 's', e.seq, 'src/' || e.lead_id, (ARRAY['pending', 'pending', 'succeeded', 'failed'])[e.seq],
              CASE WHEN e.seq = 1 THEN 1 ELSE 0 END, $1::bigint, CASE WHEN e.seq = 1 THEN $1::bigint + 60000 END,
              CASE WHEN e.seq = 1 THEN 7 ELSE 0 END, $1::bigint, $1::bigint, CASE WHEN e.seq > 2 THEN $1::bigint END
       FROM events e`,
      [T],
    );
    await sql(
      url,
      `INSERT INTO delivery_attempts (id, delivery_id, subscription_id, attempt, trigger, started_at, duration_ms, status_code)
       VALUES ('att_3', 'dlv_3', 's', 1, 'scheduled', $1::bigint, 5, 200), ('att_4', 'dlv_4', 's', 1, 'scheduled', $1::bigint, 5, 500)`,
      [T],
    );
    const store = await openPgStore({ url });
    opened.push(store);
    expect(await sql(url, 'SELECT max(version) AS v FROM schema_migrations')).toEqual([{ v: 6 }]);
    expect(await sql(url, 'SELECT subscription_id, delivery_id, locked_until FROM delivery_leases')).toEqual([
      { subscription_id: 's', delivery_id: 'dlv_1', locked_until: String(T + 60_000) },
    ]);
    const indexes = (await sql<{ indexname: string; indexdef: string }>(url, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('deliveries', 'delivery_attempts') ORDER BY 1`))
      .map((r) => r.indexname);
    expect(indexes).toEqual([
      'deliveries_by_status', 'deliveries_by_subscription', 'deliveries_completed', 'deliveries_due', 'deliveries_event',
      'deliveries_lead_order', 'deliveries_pkey', 'delivery_attempts_delivery', 'delivery_attempts_pkey', 'delivery_attempts_subscription',
    ]);
    // A claim writes locked_until, lease_token, attempts and updated_at: with none of them in any
    // index of deliveries (key, expression or predicate), it can be a HOT update.
    const claimColumns = await sql(
      url,
      `SELECT i.indexrelid::regclass::text AS index, a.attname FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0
       WHERE i.indrelid = 'deliveries'::regclass
         AND a.attname IN ('locked_until', 'lease_token', 'attempts', 'updated_at')
         AND (a.attnum = ANY (i.indkey) OR pg_get_expr(i.indpred, i.indrelid) LIKE '%' || a.attname || '%'
              OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%' || a.attname || '%')`,
    );
    expect(claimColumns).toEqual([]);
    // maxConcurrency 1 with the migrated lease live: nothing is claimed; once it has expired, one
    // delivery is: dlv_1 again (due first), with the next fencing token, its lease row replaced.
    const claims = [{ subscriptionId: 's', limit: 5 }];
    expect((await store.deliveries.turn(turnOf({ now: T + 1000, claims }))).claimed).toEqual([]);
    const later = await store.deliveries.turn(turnOf({ now: T + 60_000, claims }));
    expect(later.claimed.map((c) => c.id)).toEqual(['dlv_1']);
    expect(later.claimed[0]!.leaseToken).toBe(8);
    expect(await sql(url, 'SELECT delivery_id, locked_until FROM delivery_leases')).toEqual([{ delivery_id: 'dlv_1', locked_until: String(T + 120_000) }]);
    // The logs by status still list what they did before.
    expect((await store.deliveries.listForSubscription('s', { status: 'failed', limit: 10 })).map((d) => d.id)).toEqual(['dlv_4']);
    expect((await store.deliveries.listForSubscription('s', { status: 'succeeded', limit: 10 })).map((d) => d.id)).toEqual(['dlv_3']);
    expect((await store.deliveries.listForSubscription('s', { status: 'pending', limit: 10 })).map((d) => d.id)).toEqual(['dlv_2', 'dlv_1']);
    expect(await store.deliveryStats.perMinute(T - 60_000, T + 60_000)).toEqual([{ minute: T - (T % 60_000), succeeded: 1, failed: 1 }]);
  });
});
