// PostgreSQL faults at the store level (issue #13 item 7): with the server stopped, every kind of op
// fails with storage_unavailable (never a crash, never the password in a message); once it is back
// the same store works again and nothing of a cut transaction was kept; a statement past
// storage.statementTimeout fails with storage_timeout. A server of its own: this file stops it.
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageError, storageErrorOf } from '../../src/store/errors.js';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { PgServer } from '../helpers/pg-server.js';
import { deleteAll, event, leadWrite, NOW_ISO, page } from '../store-contract/data.js';

const PASSWORD = 'pw-s3cret-4f9a';
let server: PgServer;
let url: string;
const background: Error[] = [];

beforeAll(async () => {
  server = await PgServer.start();
  const c = new pg.Client(server.url());
  await c.connect();
  await c.query('CREATE DATABASE faults');
  await c.end();
  // Trust auth ignores the password, but it is in the URL as in production: no message may show it.
  url = server.url('faults').replace('leadrelay@', `leadrelay:${PASSWORD}@`);
});
afterAll(async () => {
  await server?.destroy();
});

function expectStorageError(err: unknown, code: string): void {
  expect(err).toMatchObject({ code, message: expect.stringContaining(`127.0.0.1:${server.port}/faults`) });
  // What sync and delivery pause on (and resume from) rather than treat as a bug.
  expect(isStorageError(err)).toBe(true);
  expect(storageErrorOf(err, 'sync paused')).toBe(err);
  expect(JSON.stringify({ message: (err as Error).message, stack: (err as Error).stack })).not.toContain(PASSWORD);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}

describe('database down, then back', () => {
  let store: PgStore;
  beforeAll(async () => {
    store = await openPgStore({ url, poolSize: 3, replicaId: 'faults', onBackgroundError: (e) => background.push(e) });
    await store.sources.register([{ id: 'a', vendor: 'apten' }], 0);
  });
  afterAll(() => store?.close());

  it('fails every kind of op with storage_unavailable while the server is stopped, and works again after', async () => {
    // Warm connections in the pool: the restart cuts them.
    await Promise.all([store.sources.list(), store.integrityCheck(), store.leases.list()]);
    await server.stop();
    const failures = await Promise.all([
      failure(store.sources.list()),
      failure(store.snapshot.applyPage('a', page([leadWrite('a', '1')], { outbox: [event('a', '1')] }), '2026-01-01T00:00:00.000Z', null)),
      failure(store.leases.acquire('a', 'r1', 0, 1000)),
      failure(store.subscriptions.syncFromConfig([], () => 'whsec_x', 0, 0)),
      failure(store.ticks.claim('job', 1, 'r1', 0)),
      failure(store.installKey('header-fingerprint')),
      failure(store.integrityCheck()),
    ]);
    for (const err of failures) expectStorageError(err, 'storage_unavailable');

    await server.resume();
    expect(await store.integrityCheck()).toBe('ok');
    await store.snapshot.applyPage('a', page([leadWrite('a', '1')], { outbox: [event('a', '1')] }), '2026-01-01T00:00:00.000Z', null);
    expect((await store.sources.get('a'))!.leadCount).toBe(1);
    // The idle connections the restart cut were reported, not thrown.
    expect(background.length).toBeGreaterThan(0);
    // However they are printed (pg-pool hangs the client, password and all, on the errors it emits).
    for (const e of background) expect(inspect(e, { showHidden: true, depth: 6 })).not.toContain(PASSWORD);
  });

  it('keeps nothing of a page whose transaction the restart cut', async () => {
    // Another session holds the source row: the page's first statement waits on it.
    const blocker = new pg.Client(server.url('faults'));
    blocker.on('error', () => {});
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM sources WHERE id = 'a' FOR UPDATE`);
    const cut = failure(store.snapshot.applyPage('a', page([leadWrite('a', 'cut')], { outbox: [event('a', 'cut')], cursor: 'cut' }), '2026-01-01T00:00:00.000Z', null));
    const admin = new pg.Client(server.url('faults'));
    await admin.connect();
    // Stop once the page's transaction is inside the database, waiting for the lock.
    for (let i = 0; i < 500; i++) {
      const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = 'faults' AND wait_event_type = 'Lock'`);
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await admin.end();
    await server.stop();
    expectStorageError(await cut, 'storage_unavailable');
    await blocker.end().catch(() => {});
    await server.resume();
    expect((await store.snapshot.getLeads('a', ['cut'])).size).toBe(0);
    expect((await store.events.list({ leadId: 'cut', limit: 10 }))).toEqual([]);
    expect((await store.sources.syncStart('a'))!.cursor).toBeNull();
  });

  it('fails to open with storage_unavailable while the server is down, naming the database but not the password', async () => {
    await server.stop();
    try {
      expectStorageError(await failure(openPgStore({ url, connectTimeoutMs: 2000 })), 'storage_unavailable');
    } finally {
      await server.resume();
    }
  });
});

describe('statement timeout', () => {
  it('cancels a statement past storage.statementTimeout with storage_timeout; the store goes on', async () => {
    const store = await openPgStore({ url, statementTimeoutMs: 300 });
    const locker = new pg.Client(server.url('faults'));
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE');
      const err = await failure(store.subscriptions.list());
      expectStorageError(err, 'storage_timeout');
      expect((err as Error).message).toMatch(/storage\.statementTimeout/);
      await locker.query('ROLLBACK');
      expect(await store.subscriptions.list()).toEqual([]);
    } finally {
      await locker.end();
      await store.close();
    }
  });
});

describe('a transaction left idle past idleInTransactionTimeoutMs (its process frozen between two statements)', () => {
  it('is ended by the server: the write fails with storage_unavailable, keeps nothing, and its row lock is released', async () => {
    const store = await openPgStore({ url, idleInTransactionTimeoutMs: 300, replicaId: 'frozen' });
    try {
      await store.sources.register([{ id: 'idle', vendor: 'nexus-erp' }], 0);
      await store.snapshot.applyPage('idle', page([leadWrite('idle', 'gone')]), NOW_ISO, null);
      await store.snapshot.completeScan('idle', await store.snapshot.beginScan('idle', null), 2, NOW_ISO, deleteAll(), null);
      const scan = await store.snapshot.beginScan('idle', null);
      // decide() runs inside the scan's transaction, holding the source row: the process "freezes" there.
      const frozen = (missing: Parameters<ReturnType<typeof deleteAll>>[0], live: number) => {
        const until = Date.now() + 900;
        while (Date.now() < until); // a blocked event loop: nothing is sent, the transaction sits idle
        return deleteAll()(missing, live);
      };
      expectStorageError(await failure(store.snapshot.completeScan('idle', scan, 2, NOW_ISO, frozen, null)), 'storage_unavailable');
      // Nothing of it was kept: the lead it would have deleted is still there, with no lead.deleted.
      expect((await store.snapshot.getLeads('idle', ['gone'])).get('gone')?.deleted).toBe(false);
      expect(await store.events.list({ leadId: 'gone', limit: 10 })).toEqual([]);
      // And the row is free at once for another replica (no lock wait up to the lock_timeout).
      const other = new pg.Client(server.url('faults'));
      await other.connect();
      try {
        await other.query("SET lock_timeout = '500ms'");
        expect((await other.query(`UPDATE sources SET lease_owner = NULL WHERE id = 'idle'`)).rowCount).toBe(1);
      } finally {
        await other.end();
      }
    } finally {
      await store.close();
    }
  });
});

describe('storage errors told apart', () => {
  it("never takes a subscriber's refused connection for the database's", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isStorageError(refused)).toBe(false);
    expect(storageErrorOf(refused)).toBeNull();
  });
});
