// PostgreSQL for the benchmarks: a throwaway server (test/helpers/pg-server.ts: initdb in a temp
// dir, a free port, run as the postgres user when we are root) with PostgreSQL's durability
// defaults and pg_stat_statements loaded, a fresh database per measured run, and the SQL the relay
// sent, counted by the server. The relays connect as their own role, `relay`; the benchmark's own
// queries (seeding, progress checks, these counts) run as the superuser, so they are never counted.
import { appendFileSync } from 'node:fs';
import pg from 'pg';
import { PgServer } from '../test/helpers/pg-server.js';
import { ensurePostgres } from '../test/helpers/pg-install.js';

export const RELAY_ROLE = 'relay';

export interface BenchPostgres {
  server: PgServer;
  /** A new empty database owned by the relay role; the URLs to give the relays and to inspect it. */
  freshDatabase(): Promise<BenchDatabase>;
  close(): Promise<void>;
}

export interface BenchDatabase {
  /** For the relays (role `relay`). */
  relayUrl: string;
  /** The benchmark's own connection (superuser): seeding and checks, not counted. */
  admin: pg.Pool;
  /** Zeroes pg_stat_statements (the whole server's). */
  resetCounts(): Promise<void>;
  /** What the relay role ran in this database since resetCounts(). */
  counts(): Promise<SqlCounts>;
  drop(): Promise<void>;
}

export interface SqlCounts {
  /** Statements executed (BEGIN and COMMIT included); node-postgres sends each in one round trip. */
  statements: number;
  /** COMMITs: transactions that wrote. */
  commits: number;
  /** The statements that ran most often, shortened, for the report. */
  top: Array<{ calls: number; query: string }>;
}

let databases = 0;

export async function startBenchPostgres(): Promise<BenchPostgres> {
  ensurePostgres();
  const server = await PgServer.start({
    durable: true,
    // BENCH_PG_LOG=file: the server's log appended to that file (with BENCH_PG_SETTINGS for auto_explain).
    log: process.env.BENCH_PG_LOG ? (text) => appendFileSync(process.env.BENCH_PG_LOG!, text) : undefined,
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.max': '1000',
      // The relays' pools (10 each) and LISTEN connections, the benchmark's own: far below this.
      max_connections: '200',
      // BENCH_PG_SETTINGS='{"pg_stat_statements.track_planning":"on"}': more server settings, to look closer.
      ...(JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') as Record<string, string>),
    },
  });
  const su = new pg.Client({ connectionString: server.url() });
  await su.connect();
  try {
    await su.query(`CREATE ROLE ${RELAY_ROLE} LOGIN`);
  } finally {
    await su.end();
  }
  return {
    server,
    async freshDatabase() {
      const name = `bench_${++databases}`;
      const c = new pg.Client({ connectionString: server.url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name} OWNER ${RELAY_ROLE}`);
      } finally {
        await c.end();
      }
      const admin = new pg.Pool({ connectionString: server.url(name), max: 2 });
      admin.on('error', () => undefined);
      await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const relayUrl = server.url(name).replace(/^postgres:\/\/[^@]+@/, `postgres://${RELAY_ROLE}@`);
      return {
        relayUrl,
        admin,
        resetCounts: async () => {
          await admin.query('SELECT pg_stat_statements_reset()');
        },
        counts: async () => {
          const where = `userid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND dbid = (SELECT oid FROM pg_database WHERE datname = $2)`;
          const sum = await admin.query<{ statements: string | null; commits: string | null }>(
            `SELECT sum(calls) AS statements, sum(calls) FILTER (WHERE upper(query) = 'COMMIT') AS commits FROM pg_stat_statements WHERE ${where}`,
            [RELAY_ROLE, name],
          );
          const top = await admin.query<{ calls: string; query: string }>(
            `SELECT calls, query FROM pg_stat_statements WHERE ${where} ORDER BY calls DESC LIMIT 12`,
            [RELAY_ROLE, name],
          );
          return {
            statements: Number(sum.rows[0]?.statements ?? 0),
            commits: Number(sum.rows[0]?.commits ?? 0),
            top: top.rows.map((r) => ({ calls: Number(r.calls), query: r.query.replace(/\s+/g, ' ').slice(0, 120) })),
          };
        },
        drop: async () => {
          await admin.end();
          const c = new pg.Client({ connectionString: server.url() });
          await c.connect();
          try {
            await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
          } finally {
            await c.end();
          }
        },
      };
    },
    close: () => server.destroy(),
  };
}

/** The replica counts to run (BENCH_PG_REPLICAS=1,3 to run some): 1, 2 and 3 by default. */
export function replicaCountsFromEnv(): number[] {
  const list = (process.env.BENCH_PG_REPLICAS ?? '1,2,3').split(',').map(Number);
  if (list.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`BENCH_PG_REPLICAS: expected replica counts like 1,2,3, got ${process.env.BENCH_PG_REPLICAS}`);
  return list;
}
