// The pure pieces: record classification, canonical hashing, change paths, retry timing, signing.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { Store } from '../src/store/index.js';
import { migrations } from '../src/store/migrations/index.js';

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
  it('applies every migration once, uses WAL, and refuses a database newer than the code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const path = join(dir, 'nested', 'relay.db');
    try {
      Store.open(path).close();
      Store.open(path).close(); // re-opening applies nothing twice
      const db = new Database(path);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, ?)').run('future', 'now');
      db.close();
      expect(() => Store.open(path)).toThrow(/schema version 999, newer than this leadrelay knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
