// The storage backends the contract suite (test/store-contract/) runs over, each test file with
// describe.each(backends): the same tests, unchanged, against every backend.
import pg from 'pg';
import { afterEach } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { freshPgDatabase } from './pg-db.js';
import { openSqliteUnderTest, rawOf } from './sqlite-backend.js';

export interface StoreBackend {
  name: string;
  /** One process per database (SQLite): register() voids every lease (see SourceOps.register). */
  oneProcess: boolean;
  /** A new store over a new, empty database. */
  open(): Promise<Store>;
  /**
   * `n` stores over one new database, as `n` replicas have them (each its own connections); a
   * backend with a single process per database returns the same store `n` times.
   */
  openReplicas(n: number): Promise<Store[]>;
  /**
   * Test fixtures for what the delivery ops produce (branch i13-pg-b brings them): retention tests
   * need events that fan-out has passed and finished deliveries. Replace with deliveries.turn()
   * once every backend implements DeliveryOps.
   */
  fixtures: {
    /** Every outbox event so far counts as fanned out. */
    fanOutAll(store: Store): Promise<void>;
    /** A delivery of event `seq` to subscription `subscriptionId`, finished at completedAt (null: still pending). */
    addDelivery(store: Store, d: { id: string; subscriptionId: string; seq: number; completedAt: number | null }): Promise<void>;
  };
}

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function pgReplicas(n: number): Promise<PgStore[]> {
  const url = await freshPgDatabase();
  const stores = await Promise.all(Array.from({ length: n }, (_, i) => openPgStore({ url, poolSize: 4, replicaId: `test-${i}` })));
  opened.push(...stores);
  return stores;
}

/** SQL straight on a PgStore's pool: fixtures only, never the thing under test. */
async function pgSql(store: Store, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return (store as PgStore).pool.query(text, params);
}

const postgres: StoreBackend = {
  name: 'postgres',
  oneProcess: false,
  open: async () => (await pgReplicas(1))[0]!,
  openReplicas: pgReplicas,
  fixtures: {
    async fanOutAll(store) {
      await pgSql(store, 'DELETE FROM fanout_pending');
    },
    async addDelivery(store, d) {
      await pgSql(
        store,
        `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
         SELECT $1, $2, seq, source_id || '/' || lead_id, CASE WHEN $4::bigint IS NULL THEN 'pending' ELSE 'succeeded' END, 1, 0, 0, 0, $4
         FROM events WHERE seq = $3`,
        [d.id, d.subscriptionId, d.seq, d.completedAt],
      );
    },
  },
};

/** One relay owns a SQLite file: its "replicas" are the one store, as the contract allows. */
const sqlite: StoreBackend = {
  name: 'sqlite',
  oneProcess: true,
  open: async () => openSqliteUnderTest().store,
  openReplicas: async (n) => {
    const { store } = openSqliteUnderTest();
    return Array.from({ length: n }, () => store);
  },
  fixtures: {
    async fanOutAll(store) {
      rawOf(store).prepare(`INSERT INTO cursors (name, value) SELECT 'fanout', coalesce(max(seq), 0) FROM events WHERE true ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run();
    },
    async addDelivery(store, d) {
      rawOf(store)
        .prepare(
          `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
           SELECT ?, ?, seq, source_id || '/' || lead_id, CASE WHEN ? IS NULL THEN 'pending' ELSE 'succeeded' END, 1, 0, 0, 0, ? FROM events WHERE seq = ?`,
        )
        .run(d.id, d.subscriptionId, d.completedAt, d.completedAt, d.seq);
    },
  },
};

/** Every backend the contract suite runs over. */
export const backends: StoreBackend[] = [sqlite, postgres];
