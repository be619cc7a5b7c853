// migrate-storage, the copy itself: every row of every table arrives exactly (text byte for byte,
// event seqs, install keys), the fan-out position becomes the fan-out queue, leases and claims start
// over, and a copy that fails leaves the target as it was. The command's refusals are in
// migrate-storage-cli.test.ts, a whole relay moved over in migrate-storage-relay.test.ts.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { fanOutMatcher, subscriptionWants } from '../../src/delivery/match.js';
import type { DeliveryTurn } from '../../src/store/contract.js';
import { migrateStorage } from '../../src/store/migrate-storage/index.js';
import { LEFT_BEHIND, TABLES } from '../../src/store/migrate-storage/plan.js';
import { openPgStore } from '../../src/store/postgres/index.js';
import { clientConfig } from '../../src/store/postgres/pool.js';
import { FilterCache } from '../../src/filters/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { event, leadWrite, page, subscription } from '../store-contract/data.js';

const dirs: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-migrate-'));
  dirs.push(dir);
  return join(dir, 'relay.db');
}

/** SQL on the target, BIGINTs read as numbers (as the store reads them). */
async function pgRows(url: string, text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client(clientConfig({ url }));
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

function sqliteRows(path: string, text: string): Array<Record<string, unknown>> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(text).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
const T0 = 1_700_000_000_000;
const NOW_ISO = new Date(T0).toISOString();

function turn(t: Partial<DeliveryTurn>): DeliveryTurn {
  let n = 0;
  return {
    records: [],
    health: { circuitBreakerAfter: 3, circuitBreakerCooldownMs: 1000, autoDisableAfterMs: 60_000, autoDisableAfterText: '1m' },
    fanOutLimit: 0,
    match: (e, s) => (subscriptionWants(s, e) ? 'deliver' : 'skip'),
    newDeliveryId: () => `dlv_${T0}_${String(++n).padStart(4, '0')}_${Math.random().toString(36).slice(2, 8)}`,
    claims: [],
    maxTotal: 100,
    now: T0,
    leaseUntil: T0 + 60_000,
    ...t,
  };
}

/**
 * A SQLite database with something in every table: two sources (one leased), leads whose JSON text
 * is not what JSON.stringify would write, a full scan in progress, seen lead events, fanned-out
 * events with deliveries (one retried, one in flight), a test ping, events not fanned out yet, a
 * subscription with headers and a rotated secret, and an event seq that retention freed at the end.
 */
async function richSqlite(path: string): Promise<{ unfanned: number[]; lastSeq: number }> {
  const store = openSqliteStore(path);
  try {
    await store.sources.register([{ id: 'src', vendor: 'apten' }, { id: 'src-b', vendor: 'nexus-erp' }], T0);
    const fence = await store.leases.acquire('src', 'old-replica', T0, 60_000);
    await store.sources.markStarted('src', NOW_ISO, fence);
    const scan = await store.snapshot.beginScan('src', fence);
    const odd = [
      leadWrite('src', 'l-1', 'h1', { rawJson: '{"name":  "Zoë \\u00e9", "id":"l-1" , "n": 1.50}' }),
      leadWrite('src', 'l-2', 'h2', { state: { since: '2026-01-01' }, rawJson: '{"id":"l-2","emoji":"😀","quote":"a\\"b"}' }),
      leadWrite('src', 'l-3', 'h3', { deleted: true, deletedReason: 'vendor_deleted' }),
    ];
    await store.snapshot.applyPage(
      'src',
      page(odd, {
        leadEvents: [
          { leadId: 'l-1', key: 'call-1', hash: 'e1' },
          { leadId: 'l-1', key: 'call-2', hash: 'e2' },
          { leadId: 'l-2', key: 'call-1', hash: 'e3' },
        ],
        outbox: [event('src', 'l-1'), event('src', 'l-2'), event('src', 'l-3', 'lead.deleted')],
        cursor: { updatedSince: '2026-01-01T00:00:00Z', page: 2 },
        seen: { scan, leadIds: ['l-1', 'l-2', 'l-3'], missed: [] },
      }),
      NOW_ISO,
      fence,
    );
    await store.snapshot.applyPage('src-b', page([leadWrite('src-b', 'x-1')], { outbox: [event('src-b', 'x-1')] }), NOW_ISO, null);
    await store.subscriptions.insertWithinLimit(
      subscription('sub-a', {
        headers: { 'X-Api-Key': 'k-123' },
        previousSecrets: [{ secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, expiresAt: T0 + 86_400_000 }],
        maxPerSecond: 2.5,
      }),
      100,
    );
    await store.subscriptions.insertWithinLimit(subscription('sub-b', { enabled: false, disabledReason: 'paused', origin: 'config', createdBy: null }), 100);
    // A content filter that keeps every event back (counted in subscription_filtered), and compact payloads.
    await store.subscriptions.insertWithinLimit(subscription('sub-c', { filter: { type: 'lead.nothing' }, payload: { raw: false } }), 100);

    // Fanned out: four events to sub-a (sub-b is paused, sub-c's filter says no). One attempt failed (retry due later), one is in flight.
    expect((await store.deliveries.turn(turn({ fanOutLimit: 100, match: fanOutMatcher(new FilterCache()) }))).fannedOut).toBe(4);
    expect(await store.subscriptions.filteredCounts()).toEqual(new Map([['sub-c', 4]]));
    const [first, second] = (await store.deliveries.turn(turn({ claims: [{ subscriptionId: 'sub-a', limit: 2 }] }))).claimed;
    await store.deliveries.turn(
      turn({
        records: [
          {
            subscriptionId: 'sub-a',
            leaseToken: first!.leaseToken,
            now: T0 + 10,
            attempt: {
              id: 'att_1', deliveryId: first!.id, attempt: first!.attempt, trigger: 'scheduled', startedAt: T0, durationMs: 10,
              statusCode: 503, error: 'HTTP 503', responseExcerpt: 'busy', nextAttemptAt: T0 + 60_000, outcome: 'retry',
            },
          },
        ],
        now: T0 + 10,
      }),
    );
    expect(second).toBeDefined(); // left claimed: in flight when the relay stopped
    const ping = event('src', 'ping', 'ping');
    await store.deliveries.insertPing('sub-a', ping, 'dlv_ping', T0);

    // Not fanned out yet.
    await store.snapshot.applyPage('src', page([leadWrite('src', 'l-4')], { outbox: [event('src', 'l-4'), event('src', 'l-1', 'lead.updated')] }), NOW_ISO, fence);
  } finally {
    await store.close();
  }
  // The newest event removed (as retention may): its seq must never be handed out again.
  const raw = new Database(path);
  const unfanned = (raw.prepare(`SELECT seq FROM events WHERE seq > (SELECT value FROM cursors WHERE name = 'fanout') AND type <> 'ping' ORDER BY seq`).all() as Array<{ seq: number }>).map((r) => r.seq);
  const freed = raw.prepare(`INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES ('evt_gone', 'lead.updated', 'src', 'l-1', ?, '{}')`).run(NOW_ISO);
  raw.prepare('DELETE FROM events WHERE seq = ?').run(freed.lastInsertRowid);
  raw.close();
  return { unfanned, lastSeq: Number(freed.lastInsertRowid) };
}

describe('migrate-storage copies a SQLite database into PostgreSQL', () => {
  it('copies every row of every table exactly, in batches, and verifies the counts', async () => {
    const path = tempDb();
    const { unfanned, lastSeq } = await richSqlite(path);
    const url = await freshPgDatabase();
    const progress: string[] = [];
    const report = await migrateStorage({ from: path, to: url, batchRows: 2, onTable: (t) => progress.push(t) });

    expect(progress).toEqual([...TABLES.map((t) => t.table), 'fanout_pending']);
    for (const t of TABLES) {
      const cols = t.columns.join(', ');
      const fromSqlite = sqliteRows(path, `SELECT ${cols} FROM ${t.table}`).map((r) => {
        for (const c of t.booleans ?? []) r[c] = r[c] === null ? null : r[c] !== 0;
        return r;
      });
      const inPg = await pgRows(url, `SELECT ${cols} FROM ${t.table}`);
      expect(fromSqlite.length, t.table).toBeGreaterThan(0);
      expect(inPg.sort(byJson), t.table).toEqual(fromSqlite.sort(byJson));
      expect(report.tables.find((r) => r.table === t.table)?.rows, t.table).toBe(fromSqlite.length);
    }
    // The lead snapshot's text, byte for byte (sync compares a listed record with it by text first).
    const raws = await pgRows(url, `SELECT raw FROM leads WHERE lead_id IN ('l-1', 'l-2') ORDER BY lead_id`);
    expect(raws.map((r) => r.raw)).toEqual(['{"name":  "Zoë \\u00e9", "id":"l-1" , "n": 1.50}', '{"id":"l-2","emoji":"😀","quote":"a\\"b"}']);

    // Leases and claims start over; the in-flight attempt is due again with its count kept.
    expect(await pgRows(url, `SELECT id, lease_owner, lease_token, lease_expires_at FROM sources ORDER BY id`)).toEqual([
      { id: 'src', lease_owner: null, lease_token: 0, lease_expires_at: null },
      { id: 'src-b', lease_owner: null, lease_token: 0, lease_expires_at: null },
    ]);
    expect(await pgRows(url, `SELECT count(*)::int AS n FROM deliveries WHERE locked_until IS NOT NULL OR lease_token <> 0`)).toEqual([{ n: 0 }]);
    expect(sqliteRows(path, `SELECT count(*) AS n FROM deliveries WHERE locked_until IS NOT NULL`)).toEqual([{ n: 1 }]);

    // The events SQLite had not fanned out are PostgreSQL's fan-out queue (the ping is not).
    expect(unfanned).toHaveLength(2);
    expect((await pgRows(url, 'SELECT seq FROM fanout_pending ORDER BY seq')).map((r) => r.seq)).toEqual(unfanned);
    expect(report.tables.at(-1)).toEqual({ table: 'fanout_pending', rows: 2 });
    expect(report.lastEventSeq).toBe(lastSeq);

    // A relay on the copy: fans those out, and its next event seq comes after every seq SQLite used.
    const store = await openPgStore({ url, poolSize: 2 });
    closers.push(() => store.close());
    expect(await store.deliveries.fanOutBacklog()).toBe(2);
    expect((await store.deliveries.turn(turn({ fanOutLimit: 100, newDeliveryId: () => `dlv_new_${Math.random()}` }))).fannedOut).toBe(2);
    await store.snapshot.applyPage('src-b', page([leadWrite('src-b', 'x-2')], { outbox: [event('src-b', 'x-2')] }), NOW_ISO, null);
    const [newest] = await store.events.list({ limit: 1 });
    expect(newest!.seq).toBe(lastSeq + 1);
    // The install's key came along (header fingerprints stay the same).
    const key = sqliteRows(path, `SELECT key FROM install_keys WHERE name = 'header-fingerprint'`)[0]!.key as Buffer;
    expect((await store.installKey('header-fingerprint')).equals(key)).toBe(true);
  });

  it('copies nothing when any part fails: the target stays empty and takes a good copy afterwards', async () => {
    const bad = tempDb();
    await richSqlite(bad);
    // A delivery pointing at an event that is gone (a damaged file): PostgreSQL's foreign key refuses it.
    const raw = new Database(bad);
    raw.pragma('foreign_keys = OFF');
    raw.prepare(`UPDATE deliveries SET event_seq = 999999 WHERE id = (SELECT min(id) FROM deliveries)`).run();
    raw.close();
    const url = await freshPgDatabase();
    await expect(migrateStorage({ from: bad, to: url, batchRows: 2 })).rejects.toThrow(/deliveries/);
    for (const t of [...TABLES.filter((t) => t.table !== 'install_keys').map((t) => t.table), 'fanout_pending']) {
      expect(await pgRows(url, `SELECT count(*)::int AS n FROM ${t}`), t).toEqual([{ n: 0 }]);
    }
    const good = tempDb();
    await richSqlite(good);
    const report = await migrateStorage({ from: good, to: url });
    expect(report.tables.find((t) => t.table === 'events')!.rows).toBeGreaterThan(0);
  });

  it('accounts for every column of both schemas: copied, or reset with a reason, or its table left behind with one', async () => {
    const path = tempDb();
    await openSqliteStore(path).close();
    const url = await freshPgDatabase();
    closers.push(await openPgStore({ url, poolSize: 1 }).then((s) => () => s.close()));
    const sqliteTables = sqliteRows(path, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).map((r) => r.name as string);
    const pgColumns = await pgRows(url, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`);
    const pgTables = [...new Set(pgColumns.map((r) => r.table_name as string))];
    for (const table of [...sqliteTables, ...pgTables]) {
      const plan = TABLES.find((t) => t.table === table);
      expect(plan !== undefined || LEFT_BEHIND[table] !== undefined, `table ${table} is neither copied nor left behind`).toBe(true);
      if (!plan) continue;
      const known = new Set([...plan.columns, ...Object.keys(plan.reset ?? {})]);
      const inSqlite = sqliteRows(path, `SELECT name FROM pragma_table_info('${table}')`).map((r) => r.name as string);
      const inPg = pgColumns.filter((r) => r.table_name === table).map((r) => r.column_name as string);
      for (const c of [...inSqlite, ...inPg]) expect(known.has(c), `${table}.${c} is neither copied nor reset`).toBe(true);
      for (const c of plan.columns) {
        expect(inSqlite, `${table}.${c} in SQLite`).toContain(c);
        expect(inPg, `${table}.${c} in PostgreSQL`).toContain(c);
      }
    }
  });
});
