// `pg-delivery`: the `delivery` run (20k events, one fast receiver, 32 in flight per relay process)
// on PostgreSQL with 1, 2 and 3 replicas, each its own process (dist/cli/main.js start, its own
// LEADRELAY_REPLICA_ID) on one database, beside the same run on SQLite. Per delivered webhook: the
// SQL the relays sent (counted by the server, pg_stat_statements), the relays' CPU (all replicas
// summed) and PostgreSQL's. On a 2-core machine the replicas share the cores with each other, with
// PostgreSQL and with the receiver, so the per-webhook costs say more about bigger machines than
// the rates do.
import { generateSecret } from '../src/delivery/sign.js';
import { round, throughput, type Figure, type Scenario } from './lib.js';
import { makeEvents } from './delivery-kit.js';
import { processDeliveryRun, type ProcessRun } from './delivery-processes.js';
import { CONCURRENCY } from './delivery.js';
import { replicaCountsFromEnv, startBenchPostgres } from './pg-kit.js';
import { startSinks } from './sink.js';

/** Issue #13: at most this many SQL round trips per delivered webhook in steady state. */
const ROUND_TRIPS_TARGET = 3;

export const pgDelivery: Scenario = {
  name: 'pg-delivery',
  description: `the delivery run on PostgreSQL with 1, 2 and 3 relay processes vs one on SQLite (${CONCURRENCY} in flight per process): webhooks/s, SQL statements, relay and database CPU per webhook`,
  async run({ smoke, postgres }) {
    const n = smoke ? 200 : Number(process.env.BENCH_DELIVERY_EVENTS ?? 20_000);
    // Smoke: one replica only (bench/pg-sync.ts's smoke run has two), to keep the suite's run short.
    const replicaCounts = smoke ? [1] : replicaCountsFromEnv();
    const events = makeEvents(n);
    const secret = generateSecret();
    const sinks = await startSinks(['ok'], [secret]);
    const pg = postgres ?? (await startBenchPostgres());
    try {
      const rounds = smoke ? 1 : 2;
      const runs = new Map<string, ProcessRun[]>();
      const record = (key: string, r: ProcessRun) => runs.set(key, [...(runs.get(key) ?? []), r]);
      for (let i = 0; i < rounds; i++) {
        record('sqlite', await processDeliveryRun({ backend: 'sqlite', replicas: 1, events, sinks, secret, concurrency: CONCURRENCY }));
        for (const k of replicaCounts) {
          record(`pg x${k}`, await processDeliveryRun({ backend: 'postgres', replicas: k, events, sinks, secret, concurrency: CONCURRENCY, pg }));
        }
      }
      const best = (key: string) => runs.get(key)!.reduce((a, b) => (b.rate > a.rate ? b : a));
      const bad = [...runs.values()].flat().reduce((a, r) => a + r.badSignatures, 0);
      if (bad > 0) throw new Error(`${bad} sampled signatures did not verify`);
      const sqlite = best('sqlite');
      const figures: Record<string, Figure> = {};
      for (const k of replicaCounts) {
        const r = best(`pg x${k}`);
        figures[`pg x${k}`] = throughput(
          'webhooks/s',
          r.rate,
          sqlite.rate,
          k === 1 ? 0.5 : undefined,
          `${k} relay process${k > 1 ? 'es' : ''} on PostgreSQL; baseline: one on SQLite, same run`,
        );
      }
      // Lower is better; the baseline is the target itself, so a ratio >= 1 meets it.
      const one = best('pg x1');
      figures['round trips/webhook (pg x1)'] = {
        unit: 'round trips/webhook',
        relay: round(one.statementsPerWebhook ?? NaN, 3),
        baseline: ROUND_TRIPS_TARGET,
        ratio: round(ROUND_TRIPS_TARGET / (one.statementsPerWebhook ?? NaN), 3),
        target: 1,
        notes: 'SQL statements the relay sent per delivered webhook (BEGIN and COMMIT included; each is one round trip), counted by pg_stat_statements; baseline: the target, 3',
      };
      const row = (r: ProcessRun) => ({
        rate: round(r.rate),
        ms: round(r.ms),
        relayCpuUsPerWebhook: round(r.relayCpuUs),
        relayMainThreadCpuUsPerWebhook: round(r.relayMainThreadCpuUs),
        dbCpuUsPerWebhook: r.dbCpuUs === null ? null : round(r.dbCpuUs),
        statementsPerWebhook: r.statementsPerWebhook === null ? null : round(r.statementsPerWebhook, 3),
        commitsPerWebhook: r.commitsPerWebhook === null ? null : round(r.commitsPerWebhook, 3),
        received: r.received,
      });
      return {
        name: 'pg-delivery',
        figures,
        details: {
          events: n,
          concurrencyPerProcess: CONCURRENCY,
          postgres: 'durable defaults (fsync, synchronous_commit on), pg_stat_statements loaded; 128 MB shared_buffers',
          best: Object.fromEntries([...runs.keys()].map((key) => [key, row(best(key))])),
          runs: Object.fromEntries([...runs].map(([key, rs]) => [key, rs.map((r) => round(r.rate))])),
          topStatements: one.sql?.top,
          subscriberRequests: one.received,
        },
      };
    } finally {
      await sinks.close();
      if (!postgres) await pg.close();
    }
  },
};
