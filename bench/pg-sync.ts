// `pg-sync`: three Nexus ERP accounts (20k leads each, a simulator process apiece), synced by the
// built relay as its own process: one on SQLite, then 1, 2 and 3 replicas on one PostgreSQL database
// (each its own process and LEADRELAY_REPLICA_ID; the sources spread over them, one poller per
// source). Measured: the first sync of all three (initialSync: emit, so every lead is also an outbox
// event) and then a full scan with 1% changed; per synced lead, the SQL the relays sent (counted by
// the server), the relays' CPU (all replicas summed) and PostgreSQL's.
import { request } from 'undici';
import { round, throughput, type Figure, type Scenario } from './lib.js';
import { ADMIN_TOKEN } from './delivery-kit.js';
import { replicaCountsFromEnv, startBenchPostgres, type BenchDatabase, type BenchPostgres } from './pg-kit.js';
import { startRelayProcess, treeCpuMs, type RelayProcess } from './relay-process.js';
import { log, scratchDir, startSimProcess, type SimProcess } from './sync-kit.js';
import { SIM_API_KEY } from './sync-sim-protocol.js';

const SOURCES = 3;

type Phase = 'first sync' | 'full scan';

interface PhaseResult {
  leads: number;
  ms: number;
  rate: number;
  relayCpuUsPerLead: number;
  dbCpuUsPerLead: number | null;
  statementsPerLead: number | null;
  commitsPerLead: number | null;
}

interface ConfigResult {
  backend: 'sqlite' | 'postgres';
  replicas: number;
  /** Which replica polled which source. */
  owners: Record<string, string | null>;
  phases: Record<Phase, PhaseResult>;
}

export const pgSync: Scenario = {
  name: 'pg-sync',
  description: `first sync of ${SOURCES} Nexus accounts (20k leads each, emit) and a full scan with 1% changed, by one relay process on SQLite and 1, 2, 3 replicas on PostgreSQL: leads/s, SQL statements, relay and database CPU per lead`,
  async run({ smoke, postgres }) {
    const perSource = smoke ? 100 : Number(process.env.BENCH_PG_SYNC_LEADS ?? 20_000);
    // Smoke: two replicas only (they must spread the sources), to keep the suite's run short.
    const replicaCounts = smoke ? [2] : replicaCountsFromEnv();
    const pg = postgres ?? (await startBenchPostgres());
    // One simulator process per account, each run starting on a fresh, empty account (reset).
    const sims = await Promise.all(Array.from({ length: SOURCES }, () => startSimProcess('nexus-erp')));
    try {
      const sqlite = await syncRun(sims, 'sqlite', 1, perSource, pg, smoke);
      const pgRuns = new Map<number, ConfigResult>();
      for (const k of replicaCounts) pgRuns.set(k, await syncRun(sims, 'postgres', k, perSource, pg, smoke));
      const figures: Record<string, Figure> = {};
      for (const phase of ['first sync', 'full scan'] as const) {
        for (const [k, r] of pgRuns) {
          figures[`${phase} pg x${k}`] = throughput(
            'leads/s',
            r.phases[phase].rate,
            sqlite.phases[phase].rate,
            undefined,
            `${SOURCES} sources × ${perSource} leads, ${k} replica${k > 1 ? 's' : ''} on PostgreSQL; baseline: one relay on SQLite, same run`,
          );
        }
      }
      const view = (r: ConfigResult) => ({
        owners: r.owners,
        ...Object.fromEntries(
          Object.entries(r.phases).map(([phase, p]) => [
            phase,
            {
              rate: round(p.rate),
              ms: round(p.ms),
              relayCpuUsPerLead: round(p.relayCpuUsPerLead),
              dbCpuUsPerLead: p.dbCpuUsPerLead === null ? null : round(p.dbCpuUsPerLead),
              statementsPerLead: p.statementsPerLead === null ? null : round(p.statementsPerLead, 3),
              commitsPerLead: p.commitsPerLead === null ? null : round(p.commitsPerLead, 4),
            },
          ]),
        ),
      });
      return {
        name: 'pg-sync',
        figures,
        details: {
          sources: SOURCES,
          leadsPerSource: perSource,
          pageSize: 100,
          sqlite: view(sqlite),
          ...Object.fromEntries([...pgRuns].map(([k, r]) => [`pg x${k}`, view(r)])),
        },
      };
    } finally {
      await Promise.all(sims.map((s) => s.close()));
      if (!postgres) await pg.close();
    }
  },
};

async function syncRun(
  sims: SimProcess[],
  backend: 'sqlite' | 'postgres',
  replicas: number,
  perSource: number,
  pg: BenchPostgres,
  smoke: boolean,
): Promise<ConfigResult> {
  const scratch = scratchDir('pg-sync');
  const relays: RelayProcess[] = [];
  let db: BenchDatabase | null = null;
  try {
    // Empty accounts at first: the relays' first polls (at start, and when a source moves to another
    // replica) find nothing; the measured syncs are the ones triggered below.
    await Promise.all(sims.map((s) => s.reset()));
    if (backend === 'postgres') db = await pg.freshDatabase();
    const ids = sims.map((_s, i) => `nexus-${i + 1}`);
    const config = {
      server: { host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN },
      // A short lease, so the sources spread over the replicas within seconds of their start.
      storage: db ? { url: db.relayUrl, leaseTtl: smoke ? '1s' : '2s' } : { path: `${scratch.dir}/relay.db` },
      sources: sims.map((sim, i) => ({ id: ids[i], vendor: 'nexus-erp', baseUrl: sim.url, apiKey: SIM_API_KEY, pollInterval: '20d', initialSync: 'emit' })),
      // No subscriptions: nothing to deliver, the sync alone is measured.
      subscriptions: [],
    };
    // The first migrates the database; then the others, side by side.
    const start = (i: number) => startRelayProcess(scratch.dir, config, { name: `r${i}`, env: { LEADRELAY_REPLICA_ID: `r${i}` } });
    relays.push(await start(1));
    relays.push(...(await Promise.all(Array.from({ length: replicas - 1 }, (_v, i) => start(i + 2)))));
    const owners = await waitForSpread(relays, ids, replicas);
    await Promise.all(sims.map((s) => s.seed(perSource)));
    const label = `${backend === 'sqlite' ? 'SQLite' : `PostgreSQL x${replicas}`}`;
    const first = await measure(relays, ids, db, pg, (r) => {
      if (r.created !== perSource) throw new Error(`${label}: a first sync created ${r.created} leads, expected ${perSource}`);
    });
    log(`${label}: first sync of ${SOURCES}×${perSource} leads in ${Math.round(first.ms)} ms (${Math.round(first.rate)} leads/s)`);
    const changed = await Promise.all(sims.map((s) => s.change(0.01, 1)));
    const rescan = await measure(relays, ids, db, pg, (r, i) => {
      if (r.leadsSeen !== perSource || r.updated !== changed[i]!.changed) {
        throw new Error(`${label}: a full scan saw ${r.leadsSeen} leads and updated ${r.updated}, expected ${perSource} and ${changed[i]!.changed}`);
      }
    });
    log(`${label}: full scan in ${Math.round(rescan.ms)} ms (${Math.round(rescan.rate)} leads/s)`);
    return { backend, replicas, owners, phases: { 'first sync': first, 'full scan': rescan } };
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await db?.drop();
    scratch.remove();
  }
}

interface SourceView {
  id: string;
  owner: string | null;
  syncing: boolean;
  lastSync: { finishedAt: string | null };
}

async function api<T>(relay: RelayProcess, method: 'GET' | 'POST', path: string): Promise<T> {
  const res = await request(`${relay.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const body = (await res.body.json()) as T;
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Waits until each replica polls its share of the sources (ceil or floor of sources / replicas),
 * every source finished its first (empty) poll and nothing is polling, and all that held for a second
 * (a source that moved is polled by its new owner at once: that poll must be over before the accounts
 * fill up); returns who polls what.
 */
async function waitForSpread(relays: RelayProcess[], ids: string[], replicas: number): Promise<Record<string, string | null>> {
  const deadline = Date.now() + 60_000;
  let stableSince: number | null = null;
  let last = '';
  for (;;) {
    const view = await api<{ data: SourceView[] }>(relays[0]!, 'GET', '/v1/sources');
    const owners = Object.fromEntries(view.data.map((s) => [s.id, s.owner]));
    const per = new Map<string, number>();
    for (const id of ids) if (owners[id]) per.set(owners[id]!, (per.get(owners[id]!) ?? 0) + 1);
    const spread =
      ids.every((id) => owners[id]) &&
      per.size === Math.min(replicas, ids.length) &&
      [...per.values()].every((n) => n >= Math.floor(ids.length / replicas) && n <= Math.ceil(ids.length / replicas));
    const idle = view.data.every((s) => s.lastSync.finishedAt !== null && !s.syncing);
    const state = JSON.stringify(view.data.map((s) => [s.id, s.owner, s.lastSync.finishedAt]));
    if (spread && idle && state === last) {
      stableSince ??= Date.now();
      // One replica hands nothing over: done once its first polls are.
      if (replicas === 1 || Date.now() - stableSince >= 1000) return owners;
    } else {
      stableSince = null;
    }
    last = state;
    if (Date.now() > deadline) throw new Error(`the sources did not spread over ${replicas} replicas within 60 s: ${JSON.stringify(owners)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface RunStats {
  created: number;
  updated: number;
  leadsSeen: number;
}

/**
 * One sync of every source at once, each asked of the replica that polls it (?wait=true answers when
 * the run is over): wall time until the last one finished, CPU of all relays and of PostgreSQL, and
 * the SQL the relays sent meanwhile.
 */
async function measure(
  relays: RelayProcess[],
  ids: string[],
  db: BenchDatabase | null,
  pg: BenchPostgres,
  check: (stats: RunStats, i: number) => void,
): Promise<PhaseResult> {
  const view = await api<{ data: SourceView[] }>(relays[0]!, 'GET', '/v1/sources');
  const byReplica = new Map(relays.map((r, i) => [`r${i + 1}`, r]));
  const ownerOf = (id: string) => byReplica.get(view.data.find((s) => s.id === id)?.owner ?? '') ?? relays[0]!;
  await db?.resetCounts();
  const dbPid = db ? pg.server.pid : null;
  const cpu0 = relays.reduce((a, r) => a + r.cpuMs(), 0);
  const db0 = dbPid ? treeCpuMs(dbPid) : 0;
  const start = performance.now();
  const results = await Promise.all(
    ids.map((id) => api<{ status: string; stats: RunStats }>(ownerOf(id), 'POST', `/v1/sources/${id}/sync?wait=true`)),
  );
  const ms = performance.now() - start;
  const cpuMs = relays.reduce((a, r) => a + r.cpuMs(), 0) - cpu0;
  const dbCpuMs = dbPid ? treeCpuMs(dbPid) - db0 : null;
  const sql = db ? await db.counts() : null;
  results.forEach((r, i) => {
    if (r.status !== 'ok') throw new Error(`sync of ${ids[i]} failed: ${JSON.stringify(r)}`);
    check(r.stats, i);
  });
  const leads = results.reduce((a, r) => a + r.stats.leadsSeen, 0);
  return {
    leads,
    ms,
    rate: (leads / ms) * 1000,
    relayCpuUsPerLead: (cpuMs * 1000) / leads,
    dbCpuUsPerLead: dbCpuMs === null ? null : (dbCpuMs * 1000) / leads,
    statementsPerLead: sql ? sql.statements / leads : null,
    commitsPerLead: sql ? sql.commits / leads : null,
  };
}
