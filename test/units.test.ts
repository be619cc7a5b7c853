// The pure pieces: record classification, canonical hashing, change paths, retry timing, signing.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { classifyActivity, classifyLead } from '../src/sync/classify.js';
import { canonicalJson, changedPaths, contentHash } from '../src/util/canonical.js';
import { nextRetryDelay, MAX_RETRY_AFTER_MS } from '../src/delivery/schedule.js';
import { generateSecret, signatureHeader } from '../src/delivery/sign.js';
import { typeMatches } from '../src/delivery/match.js';
import { newId } from '../src/util/ids.js';
import { openSqliteStore, type Store } from '../src/store/index.js';
import { migrations } from '../src/store/sqlite/migrations/index.js';
import { isoOrNull } from '../src/vendors/parse.js';

describe('classifyLead', () => {
  const live = { hash: 'a', deleted: false };
  it.each([
    [undefined, live, 'created'],
    [undefined, { hash: 'a', deleted: true }, 'created_deleted'],
    [live, live, 'unchanged'],
    [live, { hash: 'b', deleted: false }, 'updated'],
    [live, { hash: 'b', deleted: true }, 'deleted'],
    [{ hash: 'b', deleted: true }, { hash: 'c', deleted: true }, 'unchanged'],
    [{ hash: 'b', deleted: true }, { hash: 'c', deleted: false }, 'undeleted'],
  ] as const)('%o -> %o is %s', (prev, next, want) => expect(classifyLead(prev, next)).toBe(want));

  it('classifies activities by key presence and hash', () => {
    expect(classifyActivity(undefined, 'x')).toBe('added');
    expect(classifyActivity('x', 'x')).toBe('unchanged');
    expect(classifyActivity('x', 'y')).toBe('updated');
  });
});

describe('canonical hashing', () => {
  it('ignores key order at every depth but not array order', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(contentHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(canonicalJson({ b: 1, a: undefined, c: null })).toBe('{"b":1,"c":null}');
  });

  it('reports dotted change paths; arrays as a whole', () => {
    expect(changedPaths({ a: 1, raw: { x: { y: 1 }, t: [1] } }, { a: 1, raw: { x: { y: 2 }, t: [1, 2] } })).toEqual([
      'raw.t',
      'raw.x.y',
    ]);
    expect(changedPaths({ a: 1 }, { a: 1, b: null })).toEqual([]);
    expect(changedPaths({ a: 1 }, { a: 1, b: 2 })).toEqual(['b']);
  });

  it('compares leaves as their JSON: null, undefined and non-finite numbers alike, -0 as 0, types apart', () => {
    const leaves = [undefined, null, 0, -0, 1, NaN, Infinity, '', '0', 'null', true, false, [], [null], [undefined]];
    for (const a of leaves) {
      for (const b of leaves) {
        // The definition: a leaf changed when its canonical JSON (absent as null) changed.
        const asJson = canonicalJson(a ?? null) === canonicalJson(b ?? null);
        expect(changedPaths({ k: a }, { k: b }), `${String(a)} vs ${String(b)}`).toEqual(asJson ? [] : ['k']);
      }
    }
  });
});

describe('isoOrNull', () => {
  it('returns what Date.parse + toISOString give, with or without the fast path for canonical input', () => {
    const reference = (v: string) => {
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? null : new Date(ms).toISOString();
    };
    const samples = [
      '2024-02-29T00:00:00.000Z', '2023-02-29T00:00:00.000Z', '1900-02-29T12:00:00.000Z', '2000-02-29T23:59:59.999Z',
      '2026-04-31T10:00:00.000Z', '2026-12-31T23:59:59.999Z', '2026-01-01T24:00:00.000Z', '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:60.000Z', '2026-13-01T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-01-00T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000+02:00', '2026-01-01', 'soon',
    ];
    for (const v of samples) expect(isoOrNull(v), v).toBe(reference(v));
    expect(isoOrNull('')).toBeNull();
    expect(isoOrNull(42)).toBeNull();
  });
});

describe('retry timing', () => {
  const schedule = [1000, 60_000];
  it('follows the schedule with ±20% jitter, then gives up', () => {
    expect(nextRetryDelay({ attempts: 1, schedule, random: () => 0 })).toBe(800);
    expect(nextRetryDelay({ attempts: 1, schedule, random: () => 1 })).toBe(1200);
    expect(nextRetryDelay({ attempts: 2, schedule, random: () => 0.5 })).toBe(60_000);
    expect(nextRetryDelay({ attempts: 3, schedule })).toBeNull();
  });
  it('waits at least Retry-After, capped at a day', () => {
    expect(nextRetryDelay({ attempts: 1, schedule, retryAfterMs: 30_000, random: () => 0.5 })).toBe(30_000);
    expect(nextRetryDelay({ attempts: 2, schedule, retryAfterMs: 10, random: () => 0.5 })).toBe(60_000);
    expect(nextRetryDelay({ attempts: 1, schedule, retryAfterMs: 1e12, random: () => 0.5 })).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('signing', () => {
  it('produces signatures the standardwebhooks package verifies, one per secret', () => {
    const [s1, s2] = [generateSecret(), generateSecret()];
    const id = newId('evt');
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'lead.created', data: { x: 'ü' } });
    const header = signatureHeader([s1, s2], id, ts, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': header };
    expect(new Webhook(s1).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(s2).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(s1).verify(body.replace('ü', 'u'), headers)).toThrow();
  });
});

describe('event type patterns', () => {
  it('matches *, family wildcards and exact types only', () => {
    expect(typeMatches(['*'], 'event.updated')).toBe(true);
    expect(typeMatches(['lead.*'], 'lead.deleted')).toBe(true);
    expect(typeMatches(['lead.*'], 'event.added')).toBe(false);
    expect(typeMatches(['lead.created'], 'lead.updated')).toBe(false);
  });
});

describe('ids', () => {
  it('carry their prefix and sort in creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId('evt'));
    expect(ids.every((id) => /^evt_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('store migrations', () => {
  it('applies every migration once, uses WAL, and refuses a database newer than the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const path = join(dir, 'nested', 'relay.db');
    try {
      await openSqliteStore(path).close();
      await openSqliteStore(path).close(); // re-opening applies nothing twice
      const db = new Database(path);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)').run('future', 'now');
      db.close();
      expect(() => openSqliteStore(path)).toThrow(/schema version 999, newer than this leadrelay knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('0005 keeps every lead, its deleted state and missed-scan count when it rebuilds the snapshot table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const path = join(dir, 'relay.db');
    try {
      // A database as 0004 left it.
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of migrations.filter((m) => m.version <= 4)) {
        old.exec(m.sql);
        old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
      }
      const insert = old.prepare(
        `INSERT INTO leads (source_id, lead_id, hash, deleted, deleted_reason, lead, raw, state, first_seen_at, changed_at, last_seen_scan, missing_scans)
         VALUES ('s', ?, ?, ?, ?, ?, ?, ?, 'then', 'then', 3, ?)`,
      );
      insert.run('a', 'ha', 0, null, JSON.stringify({ id: 'a', name: 'A' }), JSON.stringify({ id: 'a' }), null, 1);
      insert.run('b', 'hb', 1, 'missing', JSON.stringify({ id: 'b', name: 'B' }), JSON.stringify({ id: 'b' }), JSON.stringify({ since: 1 }), 2);
      old.close();

      const store = openSqliteStore(path);
      const leads = await store.snapshot.getLeads('s', ['a', 'b']);
      expect(leads.get('a')).toMatchObject({ hash: 'ha', deleted: false, deletedReason: null, state: null, missingScans: 1 });
      expect(leads.get('a')!.lead).toEqual({ id: 'a', name: 'A', raw: { id: 'a' } });
      expect(leads.get('b')).toMatchObject({ hash: 'hb', deleted: true, deletedReason: 'missing', state: { since: 1 }, missingScans: 2 });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('background checkpoints', () => {
  it('copy the WAL into the database off the writing thread, and stop cleanly before close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const path = join(dir, 'relay.db');
    try {
      const store = openSqliteStore(path, { backgroundCheckpoints: true });
      await store.sources.register([{ id: 's', vendor: 'apten' }], Date.now());
      const big = 'x'.repeat(2000);
      for (let page = 0; page < 20; page++) {
        const leads = Array.from({ length: 50 }, (_, i) => ({
          leadId: `l${page}-${i}`,
          hash: 'h',
          deleted: false,
          deletedReason: null,
          lead: { id: `l${page}-${i}`, raw: { big } } as never,
          state: null,
        }));
        await store.snapshot.applyPage('s', { leads, leadEvents: [], outbox: [] }, 'now', null);
      }
      // ~2 MB of leads sit in the WAL; only a checkpoint copies them into the database file, and the
      // writer's own automatic checkpoint is a backstop far above this WAL (16,000 pages).
      const dbBytes = () => statSync(path).size;
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && dbBytes() < 1_000_000) await new Promise((r) => setTimeout(r, 50));
      expect(dbBytes()).toBeGreaterThan(1_000_000);
      await store.close();
      const again = openSqliteStore(path);
      expect((await again.snapshot.getLeads('s', ['l19-49'])).get('l19-49')?.hash).toBe('h');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('full-scan bookkeeping (snapshot store)', () => {
  const decideNothing = () => ({ apply: true, writes: [], outbox: [], warning: null });
  const lead = (id: string) => ({
    leadId: id,
    hash: `h-${id}`,
    deleted: false,
    deletedReason: null,
    lead: { id, raw: { id } } as never,
    state: null,
  });

  async function withStore(fn: (store: Store) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const store = openSqliteStore(join(dir, 'relay.db'));
    await store.sources.register([{ id: 's', vendor: 'nexus-erp' }], Date.now());
    try {
      await fn(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** One scan listing `ids` (one page), completed or abandoned; returns each lead's missed-scan count. */
  async function scan(store: Store, ids: string[], complete: boolean) {
    const n = await store.snapshot.beginScan('s', null);
    const known = await store.snapshot.getLeads('s', ids);
    const missed = ids.filter((id) => (known.get(id)?.missingScans ?? 0) > 0);
    const fresh = ids.filter((id) => !known.has(id)).map(lead);
    await store.snapshot.applyPage('s', { leads: fresh, leadEvents: [], outbox: [], seen: { scan: n, leadIds: ids, missed } }, 'now', null);
    if (complete) await store.snapshot.completeScan('s', n, 2, 'now', decideNothing, null);
    const all = await store.snapshot.getLeads('s', ['a', 'b', 'c']);
    return Object.fromEntries([...all].map(([id, l]) => [id, l.missingScans]));
  }

  it('counts a miss only at the end of a complete scan, and a lead listed again starts over', async () => {
    await withStore(async (store) => {
      expect(await scan(store, ['a', 'b', 'c'], true)).toEqual({ a: 0, b: 0, c: 0 });
      expect(await scan(store, ['a', 'b'], true)).toEqual({ a: 0, b: 0, c: 1 });
      expect(await scan(store, ['a'], true)).toEqual({ a: 0, b: 1, c: 2 });
      // An abandoned scan counts no miss, but what it listed is found again (c).
      expect(await scan(store, ['a', 'c'], false)).toEqual({ a: 0, b: 1, c: 0 });
      // The next scan starts clean: the abandoned scan's marks do not count as seen.
      expect(await scan(store, ['a'], true)).toEqual({ a: 0, b: 2, c: 1 });
    });
  });
});
