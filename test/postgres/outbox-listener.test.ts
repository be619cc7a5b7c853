// onOutboxGrew on PostgreSQL: a replica hears another one's committed outbox events (LISTEN/NOTIFY),
// hears them again after its LISTEN connection was cut (reconnected by itself), and lets the
// connection go once nobody listens.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { waitFor } from '../helpers/wait.js';
import { event, page } from '../store-contract/data.js';

const opened: PgStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function listenerPids(admin: pg.Client, replicaId: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    // By its own application_name: its last query is mostly the 200 ms probe's, not the LISTEN.
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1`,
    [`leadrelay/${replicaId} (listen)`],
  );
  return rows.map((r) => r.pid);
}

describe('onOutboxGrew (LISTEN/NOTIFY)', () => {
  it("wakes a replica when another commits outbox events, after a cut connection too, and stops listening when unsubscribed", async () => {
    const url = await freshPgDatabase();
    const id = `listener-${Math.random().toString(36).slice(2, 8)}`;
    const writer = await openPgStore({ url, replicaId: 'writer' });
    const reader = await openPgStore({ url, replicaId: id, listen: { checkEveryMs: 200, minBackoffMs: 20 } });
    opened.push(writer, reader);
    const admin = new pg.Client(url);
    await admin.connect();
    try {
      await writer.sources.register([{ id: 'a', vendor: 'apten' }], 0);
      let woken = 0;
      const unsubscribe = reader.onOutboxGrew(() => woken++);
      const [first] = await waitFor(async () => (await listenerPids(admin, id)).length === 1 && listenerPids(admin, id), { what: 'the LISTEN connection' });

      await writer.snapshot.applyPage('a', page([], { outbox: [event('a', '1'), event('a', '2')] }), '2026-01-01T00:00:00.000Z', null);
      await waitFor(() => woken >= 1, { what: 'a wake-up for the first commit' });

      // The database cuts the LISTEN connection (a restart, a failover, an idle timeout).
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      const [second] = await waitFor(async () => {
        const pids = await listenerPids(admin, id);
        return pids.length === 1 && pids[0] !== first && pids;
      }, { what: 'a new LISTEN connection' });
      expect(second).not.toBe(first);
      const before = woken;
      await writer.snapshot.applyPage('a', page([], { outbox: [event('a', '3')] }), '2026-01-01T00:00:00.000Z', null);
      await waitFor(() => woken > before, { what: 'a wake-up after the reconnect' });

      unsubscribe();
      await waitFor(async () => (await listenerPids(admin, id)).length === 0, { what: 'the LISTEN connection to close' });
    } finally {
      await admin.end();
    }
  });
});
