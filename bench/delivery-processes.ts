// A delivery run measured from outside: the built relay as its own process (or N replicas on one
// PostgreSQL database, each its own process), an outbox of n events, one subscriber (bench/sink.ts,
// its own process). The clock runs from the first webhook the subscriber receives until it has all n
// AND the database holds n succeeded deliveries (every outcome durable), so process start-up is
// not in it; the raw baseline is timed the same way, from the same subscriber's first to last request.
import Database from 'better-sqlite3';
import type { OutboxEvent } from '../src/model.js';
import { OUTBOX_CHANNEL } from '../src/store/postgres/snapshot/write-page.js';
import { ADMIN_TOKEN, prefillOutbox, tempDir } from './delivery-kit.js';
import type { BenchDatabase, BenchPostgres, SqlCounts } from './pg-kit.js';
import { treeCpuMs } from './proc-stats.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';
import { total, type Sinks } from './sink.js';

export type Backend = 'sqlite' | 'postgres';

export interface ProcessRun {
  backend: Backend;
  replicas: number;
  /** Webhooks per second, first received to all recorded. */
  rate: number;
  ms: number;
  /** CPU of the relay processes (all threads, all replicas summed) per webhook, µs, over the same span. */
  relayCpuUs: number;
  /** Of relayCpuUs, the main threads' (the event loops: the store's work, signing, bookkeeping). */
  relayMainThreadCpuUs: number;
  /** PostgreSQL's CPU (all its processes) per webhook, µs; null on SQLite. */
  dbCpuUs: number | null;
  /** SQL the relays sent per webhook (PostgreSQL: counted by the server); null on SQLite. */
  statementsPerWebhook: number | null;
  commitsPerWebhook: number | null;
  /** How many webhooks each replica... is not observable from outside; requests the subscriber saw in all. */
  received: number;
  verified: number;
  badSignatures: number;
  sql?: SqlCounts;
}

export interface ProcessRunOptions {
  backend: Backend;
  replicas: number;
  events: readonly OutboxEvent[];
  sinks: Sinks;
  secret: string;
  concurrency: number;
  pg?: BenchPostgres;
  /** node flags for the relay processes (e.g. --cpu-prof). */
  execArgv?: string[];
  /**
   * PostgreSQL: events delivered before the measured ones (not timed or counted), then ANALYZE, as
   * autovacuum does on a database in use: the relay's prepared statements are planned again on
   * tables of their real size (planned on the empty tables of a new database, a generic plan can
   * read all of deliveries per statement until autovacuum's first ANALYZE, a minute on).
   */
  warmup?: readonly OutboxEvent[];
  /** PostgreSQL: called with the run's database once the relays have stopped, before it is dropped (e.g. to read pg_stat_user_tables). */
  inspect?: (db: BenchDatabase) => Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function processDeliveryRun(o: ProcessRunOptions): Promise<ProcessRun> {
  const n = o.events.length;
  const tmp = tempDir();
  let db: BenchDatabase | null = null;
  const relays: RelayProcess[] = [];
  try {
    let storage: Record<string, unknown>;
    if (o.backend === 'sqlite') {
      if (o.replicas !== 1) throw new Error('SQLite runs one relay');
      storage = { path: prefillOutbox(tmp.dir, o.events) };
    } else {
      if (!o.pg) throw new Error('a PostgreSQL run needs the server');
      db = await o.pg.freshDatabase();
      storage = { url: db.relayUrl };
    }
    const config = {
      server: { host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN },
      storage,
      sources: [],
      subscriptions: [{ id: 'sink', url: o.sinks.urls[0]!, secret: o.secret }],
      delivery: { allowPrivateTargets: true, concurrency: o.concurrency, perSubscriptionConcurrency: o.concurrency },
    };
    await o.sinks.reset();
    // The first migrates the database; then the others, side by side.
    const start = (i: number) => startRelayProcess(tmp.dir, config, { name: `r${i}`, env: { LEADRELAY_REPLICA_ID: `r${i}` }, execArgv: o.execArgv });
    relays.push(await start(1));
    relays.push(...(await Promise.all(Array.from({ length: o.replicas - 1 }, (_v, i) => start(i + 2)))));
    const dbPid = o.pg?.server.pid ?? null;
    const warm = db && o.warmup ? o.warmup.length : 0;
    if (db && warm > 0) {
      await appendPgEvents(db, o.warmup!);
      const until = now() + 600_000;
      while ((await pgSucceeded(db)) < warm) {
        if (now() > until) throw new Error(`warm-up: only ${await pgSucceeded(db)} of ${warm} deliveries recorded succeeded`);
        await sleep(20);
      }
      await db.admin.query('ANALYZE');
      await db.admin.query('SELECT pg_stat_reset()');
      await o.sinks.reset();
    }
    if (db) {
      // Every replica is up and idle: the events arrive at once (as a sync page commits them, with
      // their fan-out queue rows and the NOTIFY that wakes every replica).
      await db.resetCounts();
      await appendPgEvents(db, o.events);
    }
    // The clock starts with the first webhook received.
    let first: number | null = null;
    let cpuStart = 0;
    let mainStart = 0;
    let dbCpuStart = 0;
    const deadline = now() + 600_000;
    for (;;) {
      const s = await o.sinks.stats();
      if (first === null && s.first !== null) {
        first = s.first;
        cpuStart = relays.reduce((a, r) => a + r.cpuMs(), 0);
        mainStart = relays.reduce((a, r) => a + r.mainThreadCpuMs(), 0);
        dbCpuStart = dbPid ? treeCpuMs(dbPid) : 0;
      }
      if (total(s) >= n) break;
      if (now() > deadline) throw new Error(`the subscriber received ${total(s)} of ${n} webhooks in 10 minutes`);
      await sleep(first === null ? 2 : 5);
    }
    // Then every outcome durable: n succeeded deliveries in the database.
    const succeeded = o.backend === 'sqlite' ? sqliteSucceeded(String(storage.path)) : () => pgSucceeded(db!);
    while ((await succeeded()) < n + warm) {
      if (now() > deadline) throw new Error(`only ${(await succeeded()) - warm} of ${n} deliveries recorded succeeded`);
      await sleep(2);
    }
    const end = now();
    const cpuMs = relays.reduce((a, r) => a + r.cpuMs(), 0) - cpuStart;
    const mainMs = relays.reduce((a, r) => a + r.mainThreadCpuMs(), 0) - mainStart;
    const dbCpuMs = dbPid ? treeCpuMs(dbPid) - dbCpuStart : null;
    const sql = db ? await db.counts() : undefined;
    const s = await o.sinks.stats();
    const ms = end - first!;
    return {
      backend: o.backend,
      replicas: o.replicas,
      rate: (n / ms) * 1000,
      ms,
      relayCpuUs: (cpuMs * 1000) / n,
      relayMainThreadCpuUs: (mainMs * 1000) / n,
      dbCpuUs: dbCpuMs === null ? null : (dbCpuMs * 1000) / n,
      statementsPerWebhook: sql ? sql.statements / n : null,
      commitsPerWebhook: sql ? sql.commits / n : null,
      received: total(s),
      verified: s.verified,
      badSignatures: s.badSignatures,
      sql,
    };
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    if (db && o.inspect) await o.inspect(db).catch((err: unknown) => console.error('inspect:', err));
    await db?.drop();
    tmp.remove();
  }
}

/** A reader of the relay's SQLite file (its own connection): deliveries recorded succeeded. */
function sqliteSucceeded(path: string): () => number {
  let conn: Database.Database | null = null;
  return () => {
    conn ??= new Database(path, { readonly: true, fileMustExist: true });
    return (conn.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'succeeded'`).get() as { n: number }).n;
  };
}

async function pgSucceeded(db: BenchDatabase): Promise<number> {
  const r = await db.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'succeeded'`);
  return r.rows[0]!.n;
}

/**
 * Commits the events to the PostgreSQL outbox in one transaction, as the relay's page write does
 * (events, their fan-out queue rows, a NOTIFY): the benchmark's seeding, in plain SQL.
 */
export async function appendPgEvents(db: BenchDatabase, events: readonly OutboxEvent[]): Promise<void> {
  const c = await db.admin.connect();
  try {
    await c.query('BEGIN');
    for (let i = 0; i < events.length; i += 2000) {
      const part = events.slice(i, i + 2000);
      await c.query(
        `WITH e AS (
           INSERT INTO events (id, type, source_id, lead_id, created_at, body)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) RETURNING seq)
         INSERT INTO fanout_pending (seq) SELECT seq FROM e`,
        [
          part.map((e) => e.id),
          part.map((e) => e.type),
          part.map((e) => e.sourceId),
          part.map((e) => e.leadId),
          part.map((e) => e.createdAt),
          part.map((e) => JSON.stringify(e.body)),
        ],
      );
    }
    await c.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
