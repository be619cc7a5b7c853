// The SQLite backend for the contract suite (test/store-contract/): a store over a new file in a
// temp dir, plus a second plain connection to the same file for fixtures (rows the ops under test
// would produce), never for the thing under test.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openSqliteStore, newSubscription, type Store, type Subscription } from '../../src/store/index.js';
import type { OutboxEvent } from '../../src/model.js';
import type { DeliveryFixture } from './pg-scratch.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

export interface SqliteUnderTest {
  store: Store;
  /** A plain connection to the same file, for fixtures. */
  raw: Database.Database;
}

const raws = new WeakMap<Store, Database.Database>();

/** The fixture connection of a store opened by openSqliteUnderTest. */
export function rawOf(store: Store): Database.Database {
  const raw = raws.get(store);
  if (!raw) throw new Error('not a store of openSqliteUnderTest()');
  return raw;
}

export function openSqliteUnderTest(): SqliteUnderTest {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-contract-'));
  const path = join(dir, 'relay.db');
  const store = openSqliteStore(path);
  const raw = new Database(path);
  raw.pragma('busy_timeout = 5000');
  raws.set(store, raw);
  cleanups.push(async () => {
    raw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, raw };
}

/** The delivery contract's fixture over a SQLite store (one process: no replicas racing). */
export async function openSqliteDeliveryFixture(): Promise<DeliveryFixture> {
  const { store, raw } = openSqliteUnderTest();
  const append = raw.prepare(`INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?)`);
  return {
    deliveries: store.deliveries,
    replica: () => store.deliveries,
    async addSubscription(s) {
      const now = s.createdAt ?? '2024-01-01T00:00:00.000Z';
      const sub: Subscription = {
        ...newSubscription(
          {
            id: s.id,
            url: s.url ?? 'http://127.0.0.1:9/hook',
            secret: 'whsec_dGVzdA==',
            events: s.events ?? ['*'],
            sources: s.sources ?? null,
            description: null,
            headers: {},
            maxPerSecond: null,
            maxConcurrency: s.maxConcurrency ?? null,
            filter: s.filter ?? null,
            payload: null,
            origin: s.origin ?? 'api',
            createdBy: null,
          },
          now,
        ),
        enabled: s.enabled ?? true,
        disabledReason: s.disabledReason ?? null,
        disabledAt: s.disabledAt ?? null,
        failingSince: s.failingSince ?? null,
        consecutiveFailures: s.consecutiveFailures ?? 0,
        circuitOpenUntil: s.circuitOpenUntil ?? null,
      };
      if (!(await store.subscriptions.insertWithinLimit(sub, 1_000_000))) throw new Error('subscription not inserted');
    },
    async setMaxConcurrency(id, max) {
      await store.subscriptions.update(id, { maxConcurrency: max }, new Date().toISOString());
    },
    async appendEvents(events: readonly OutboxEvent[]) {
      return raw.transaction(() =>
        events.map((e) => Number(append.run(e.id, e.type, e.sourceId, e.leadId, e.createdAt, JSON.stringify(e.body)).lastInsertRowid)),
      )();
    },
    subscription: (id) => store.subscriptions.get(id),
    filteredCounts: () => store.subscriptions.filteredCounts(),
    async close() {},
  };
}
