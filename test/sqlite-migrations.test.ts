// SQLite migration 17 (fewer index pages per delivered webhook) on a database that has data: the
// attempt log is rebuilt without its id key and keeps every row, and the statements that lost an
// index still find one (a partial index is used only when a statement carries its condition).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/sqlite/db.js';
import { migrations } from '../src/store/sqlite/migrations/index.js';
import { filterSql, RARE_STATUS } from '../src/store/sqlite/deliveries/filter.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrelay-migrations-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A database file at schema version `upTo`, as the relay of that version left it. */
function databaseAt(path: string, upTo: number): Database.Database {
  const db = new Database(path);
  db.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  for (const m of migrations.filter((x) => x.version <= upTo)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-12-01T00:00:00Z');
    db.pragma(`user_version = ${m.version}`);
  }
  return db;
}

const ATTEMPT_COLUMNS = 'id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, next_attempt_at, subscription_id, response_headers';

function indexes(db: Database.Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`).all(table) as Array<{ name: string }>).map((r) => r.name);
}

function plan(db: Database.Database, sql: string, params: Record<string, unknown> = {}): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

describe('SQLite migration 17: lean delivery writes', () => {
  it('keeps every attempt (same rowids and values) and every delivery, and leaves the indexes the queue and the dashboard use', () => {
    const path = join(dir, 'relay.db');
    const old = databaseAt(path, 16);
    old.exec(`
      INSERT INTO subscriptions (id, url, secret, events, origin, created_at, updated_at)
        VALUES ('s', 'https://example.test/hook', 'whsec_x', '["*"]', 'config', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z');
      INSERT INTO events (seq, id, type, source_id, lead_id, created_at, body)
        VALUES (1, 'evt_1', 'lead.created', 'apten', 'l1', '2026-12-01T00:00:00Z', '{}'), (2, 'evt_2', 'lead.updated', 'apten', 'l1', '2026-12-01T00:00:01Z', '{}');
      INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at, completed_at, last_status_code)
        VALUES ('dlv_1', 's', 1, 'apten/l1', 'succeeded', 2, 0, 10, 20, 20, 204),
               ('dlv_2', 's', 2, 'apten/l1', 'pending', 1, 99, 11, 21, NULL, 500);
      INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS}) VALUES
        ('att_1', 'dlv_1', 1, 'scheduled', 12, 5, 500, 'HTTP 500', 'boom', 15, 's', '[["retry-after","3"]]'),
        ('att_2', 'dlv_1', 2, 'manual', 16, 4, 204, NULL, '', NULL, 's', NULL),
        ('att_3', 'dlv_2', 1, 'scheduled', 17, 30000, NULL, 'timed out', NULL, 99, 's', NULL);
      DELETE FROM delivery_attempts WHERE id = 'att_2';
      INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS}) VALUES ('att_2', 'dlv_1', 2, 'manual', 16, 4, 204, NULL, '', NULL, 's', NULL);
    `);
    const before = old.prepare(`SELECT rowid, ${ATTEMPT_COLUMNS} FROM delivery_attempts ORDER BY rowid`).all();
    const deliveriesBefore = old.prepare('SELECT * FROM deliveries ORDER BY id').all();
    old.close();

    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
      expect(db.prepare(`SELECT rowid, ${ATTEMPT_COLUMNS} FROM delivery_attempts ORDER BY rowid`).all()).toEqual(before);
      expect(db.prepare('SELECT * FROM deliveries ORDER BY id').all()).toEqual(deliveriesBefore);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(indexes(db, 'delivery_attempts')).toEqual(['delivery_attempts_delivery', 'delivery_attempts_subscription']);
      expect(indexes(db, 'deliveries')).toEqual([
        'deliveries_by_status', 'deliveries_by_subscription', 'deliveries_by_subscription_id', 'deliveries_event',
        'deliveries_lead_order', 'deliveries_leased', 'deliveries_ready', 'sqlite_autoindex_deliveries_1',
      ]);
      // Deleting a delivery still takes its attempts along.
      db.prepare(`DELETE FROM deliveries WHERE id = 'dlv_1'`).run();
      expect(db.prepare(`SELECT id FROM delivery_attempts`).all()).toEqual([{ id: 'att_3' }]);
    } finally {
      db.close();
    }
  });

  it('a log filtered by a rare status walks deliveries_by_status, a succeeded one walks deliveries_by_subscription_id', () => {
    const db = openDatabase(join(dir, 'plans.db'));
    try {
      const list = (filter: Parameters<typeof filterSql>[0]) =>
        plan(
          db,
          `SELECT d.* FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE ${filterSql(filter)} ORDER BY d.id DESC LIMIT 50`,
          { subscriptionId: 's', ...(filter.since !== undefined ? { since: filter.since } : {}), ...(filter.until !== undefined ? { until: filter.until } : {}) },
        );
      expect(list({ status: 'failed' })).toContain('deliveries_by_status');
      expect(list({ status: 'pending' })).toContain('deliveries_by_status');
      // A time range does not pull a rare status off its index (and no sort of the whole range).
      expect(list({ status: 'failed', since: 1, until: 2 })).toMatch(/deliveries_by_status(?!.*TEMP B-TREE)/);
      expect(list({ status: 'succeeded' })).toContain('deliveries_by_subscription_id');
      expect(list({})).toContain('deliveries_by_subscription_id');
      expect(RARE_STATUS).toBe("d.status <> 'succeeded'");
      expect(() => filterSql({ status: "failed' OR 1=1 --" as 'failed' })).toThrow(/unknown delivery status/);
    } finally {
      db.close();
    }
  });
});
