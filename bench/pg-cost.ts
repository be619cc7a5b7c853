// A diagnostic for issue #13 item 10 (BENCHMARKS.md "PostgreSQL and replicas"): the `pg-delivery` run on PostgreSQL
// with one relay only, several builds of the relay alternated round by round (BENCH_RELAY_MAIN per
// variant), and per delivered webhook: relay and PostgreSQL CPU, statements, and the row updates of
// the delivery tables (how many were HOT), from pg_stat_user_tables once the relay has stopped.
//   node --import tsx bench/pg-cost.ts [rounds] [name=path/to/dist/cli/main.js ...]
// Without variants: the worktree's dist only. PGCOST_EVENTS (20,000), PGCOST_PROFILE=dir: --cpu-prof,
// PGCOST_WARMUP=n: n events delivered and ANALYZE before the measured ones, PGCOST_TOP=1: the costliest statements.
import { generateSecret } from '../src/delivery/sign.js';
import { makeEvents } from './delivery-kit.js';
import { processDeliveryRun } from './delivery-processes.js';
import { CONCURRENCY } from './delivery.js';
import { startBenchPostgres } from './pg-kit.js';
import { startSinks } from './sink.js';

const rounds = Number(process.argv[2] ?? 2);
const variants = process.argv.slice(3).map((a) => {
  const [name, path] = a.split('=') as [string, string];
  return { name, path };
});
if (variants.length === 0) variants.push({ name: 'dist', path: new URL('../dist/cli/main.js', import.meta.url).pathname });
const n = Number(process.env.PGCOST_EVENTS ?? 20_000);
const events = makeEvents(n);
// PGCOST_WARMUP=n: n events delivered first, then ANALYZE (delivery-processes.ts `warmup`).
const warmup = process.env.PGCOST_WARMUP ? makeEvents(Number(process.env.PGCOST_WARMUP), 'warm') : undefined;
const secret = generateSecret();
const sinks = await startSinks(['ok'], [secret]);
const pg = await startBenchPostgres();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
try {
  for (let i = 0; i < rounds; i++) {
    for (const v of variants) {
      process.env.BENCH_RELAY_MAIN = v.path;
      let statements: string[] = [];
      let tables: Record<string, { upd: number; hot: number; ins: number; del: number }> = {};
      const execArgv = process.env.PGCOST_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PGCOST_PROFILE}`] : undefined;
      const r = await processDeliveryRun({
        backend: 'postgres',
        replicas: 1,
        events,
        sinks,
        secret,
        concurrency: CONCURRENCY,
        pg,
        execArgv,
        warmup,
        inspect: async (db) => {
          await sleep(700);
          await db.admin.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await db.admin.query<{ relname: string; upd: string; hot: string; ins: string; del: string }>(
            `SELECT relname, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_ins AS ins, n_tup_del AS del FROM pg_stat_user_tables
             WHERE relname IN ('deliveries', 'delivery_leases', 'delivery_attempts', 'subscriptions')`,
          );
          const st = await db.admin.query<{ calls: string; total: number; rows: string; query: string }>(
            `SELECT calls, total_exec_time AS total, rows, query FROM pg_stat_statements
             WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'relay') AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY total_exec_time DESC LIMIT 6`,
          );
          statements = st.rows.map((x) => `   ${Math.round(x.total)} ms, ${x.calls} calls, ${r1(x.total / Number(x.calls))} ms each: ${x.query.replace(/\s+/g, ' ').slice(0, 90)}`);
          tables = Object.fromEntries(rows.map((t) => [t.relname, { upd: Number(t.upd), hot: Number(t.hot), ins: Number(t.ins), del: Number(t.del) }]));
        },
      });
      const t = Object.entries(tables)
        .map(([k, x]) => `${k}: upd ${r1(x.upd / n)} hot ${r1(x.hot / n)} ins ${r1(x.ins / n)} del ${r1(x.del / n)}`)
        .join('; ');
      console.log(
        `${v.name.padEnd(6)} round ${i + 1}: ${Math.round(r.rate)}/s relay ${r1(r.relayCpuUs)} µs pg ${r1(r.dbCpuUs!)} µs sum ${r1(r.relayCpuUs + r.dbCpuUs!)} µs; ` +
          `stmts ${r.statementsPerWebhook!.toFixed(3)}/webhook; per webhook ${t}`,
      );
      if (process.env.PGCOST_TOP) for (const s of statements) console.log(s);
    }
  }
} finally {
  await sinks.close();
  await pg.close();
}
