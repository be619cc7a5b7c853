// The delivery-queue tests' PostgreSQL fixture: a fresh database with the schema on the run's
// server, pg.Pools on it, a round-trip counter, and seeding in plain SQL (fixtures only). A test that
// restarts PostgreSQL gets a server of its own (scratchServer), started on first use.
import pg from 'pg';
import type { QueryConfig, QueryResultRow } from 'pg';
import { PgServer } from './pg-server.js';
import { freshPgDatabase } from './pg-db.js';
import { pgMigrations } from '../../src/store/postgres/migrations/index.js';
import { createPgDeliveryOps, type PgClient, type PgDb } from '../../src/store/postgres/deliveries/index.js';
import { subscriptionFromJson, type SubscriptionJson } from '../../src/store/postgres/deliveries/rows.js';
import type { DeliveryOps } from '../../src/store/contract.js';
import type { Subscription } from '../../src/store/types.js';
import type { OutboxEvent } from '../../src/model.js';

const TEMPLATE = 'lr_template';
let server: Promise<PgServer> | null = null;
let databases = 0;

async function templateServer(): Promise<PgServer> {
  const s = await PgServer.start();
  const admin = new pg.Client({ connectionString: s.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const tpl = new pg.Client({ connectionString: s.url(TEMPLATE) });
  await tpl.connect();
  try {
    for (const m of pgMigrations) await tpl.query(m.sql);
  } finally {
    await tpl.end();
  }
  return s;
}

/** The file's server (started on first use). */
export function scratchServer(): Promise<PgServer> {
  server ??= templateServer();
  return server;
}

/** Call in afterAll. */
export async function stopScratchServer(): Promise<void> {
  const s = server;
  server = null;
  if (s) await (await s).destroy();
}

/**
 * A fresh database with the schema; its URL. On the run's server (global-setup.ts), or with
 * `ownServer` on this file's own server, for a test that stops and restarts PostgreSQL.
 */
export async function scratchDatabase(ownServer = false): Promise<string> {
  if (ownServer) {
    const s = await scratchServer();
    const name = `lr_test_${++databases}`;
    const admin = new pg.Client({ connectionString: s.url() });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await admin.end();
    }
    return s.url(name);
  }
  const url = await freshPgDatabase();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const m of pgMigrations) await c.query(m.sql);
  } finally {
    await c.end();
  }
  return url;
}

/** A PgDb that counts every query sent (BEGIN and COMMIT included): SQL round trips. */
export function countingDb(pool: pg.Pool): { db: PgDb; roundTrips: () => number } {
  let n = 0;
  const db: PgDb = {
    query<R extends QueryResultRow>(config: QueryConfig) {
      n++;
      return pool.query<R>(config);
    },
    async connect(): Promise<PgClient> {
      const client = await pool.connect();
      return {
        query<R extends QueryResultRow>(config: QueryConfig) {
          n++;
          return client.query<R>(config);
        },
        release: (err?: Error | boolean) => client.release(err),
        on: (event: 'error', listener: (err: Error) => void) => client.on(event, listener),
        off: (event: 'error', listener: (err: Error) => void) => client.off(event, listener),
      };
    },
  };
  return { db, roundTrips: () => n };
}

/** What the delivery contract tests need of a backend: the ops, and a way to seed and inspect. */
export interface DeliveryFixture {
  deliveries: DeliveryOps;
  /** The same database as another replica sees it: its own connections. */
  replica(): DeliveryOps;
  addSubscription(s: Partial<Subscription> & { id: string }): Promise<void>;
  /** An operator's change of its limits (SubscriptionOps.update in the full store). */
  setMaxConcurrency(id: string, max: number | null): Promise<void>;
  /** Commits events as a sync page does (the outbox, and the fan-out queue); returns their seqs. */
  appendEvents(events: readonly OutboxEvent[]): Promise<number[]>;
  subscription(id: string): Promise<Subscription | undefined>;
  /** SubscriptionOps.filteredCounts of the full store. */
  filteredCounts(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface PgDeliveryFixture extends DeliveryFixture {
  url: string;
  /** A query on the fixture's own pool (for PostgreSQL-only checks). */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

export async function openPgDeliveryFixture(opts: { ownServer?: boolean } = {}): Promise<PgDeliveryFixture> {
  const url = await scratchDatabase(opts.ownServer);
  const pools: pg.Pool[] = [];
  const newPool = () => {
    const p = new pg.Pool({ connectionString: url, max: 6 });
    // An idle client whose connection drops (a restart test) is discarded by the pool; without a
    // listener its 'error' event would crash the test process.
    p.on('error', () => undefined);
    pools.push(p);
    return p;
  };
  const pool = newPool();
  return {
    url,
    sql: (text, values) => pool.query(text, values),
    deliveries: createPgDeliveryOps(pool),
    replica: () => createPgDeliveryOps(newPool()),
    async addSubscription(s) {
      const now = '2024-01-01T00:00:00.000Z';
      await pool.query(
        `INSERT INTO subscriptions (id, url, secret, events, sources, max_concurrency, enabled, disabled_reason, disabled_at,
           failing_since, consecutive_failures, circuit_open_until, origin, created_at, updated_at, content_filter)
         VALUES ($1, $2, 'whsec_dGVzdA==', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)`,
        [
          s.id,
          s.url ?? 'http://127.0.0.1:9/hook',
          JSON.stringify(s.events ?? ['*']),
          s.sources ? JSON.stringify(s.sources) : null,
          s.maxConcurrency ?? null,
          s.enabled ?? true,
          s.disabledReason ?? null,
          s.disabledAt ?? null,
          s.failingSince ?? null,
          s.consecutiveFailures ?? 0,
          s.circuitOpenUntil ?? null,
          s.origin ?? 'api',
          s.createdAt ?? now,
          s.filter ? JSON.stringify(s.filter) : null,
        ],
      );
    },
    async setMaxConcurrency(id, max) {
      await pool.query(`UPDATE subscriptions SET max_concurrency = $2 WHERE id = $1`, [id, max]);
    },
    async appendEvents(events) {
      const res = await pool.query<{ seq: string }>(
        `WITH e AS (
           INSERT INTO events (id, type, source_id, lead_id, created_at, body)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) RETURNING seq),
         q AS (INSERT INTO fanout_pending (seq) SELECT seq FROM e)
         SELECT seq FROM e ORDER BY seq`,
        [
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.sourceId),
          events.map((e) => e.leadId),
          events.map((e) => e.createdAt),
          events.map((e) => JSON.stringify(e.body)),
        ],
      );
      return res.rows.map((r) => Number(r.seq));
    },
    async subscription(id) {
      const res = await pool.query<{ s: SubscriptionJson }>(`SELECT row_to_json(s) AS s FROM subscriptions s WHERE id = $1`, [id]);
      return res.rows[0] && subscriptionFromJson(res.rows[0].s);
    },
    async filteredCounts() {
      const res = await pool.query<{ subscription_id: string; filtered: string }>('SELECT subscription_id, filtered FROM subscription_filtered');
      return new Map(res.rows.map((r) => [r.subscription_id, Number(r.filtered)]));
    },
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}
