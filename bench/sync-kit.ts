// Shared pieces of the sync benchmarks: a vendor simulator in its own process, the relay on a
// simulated source (in-process or as a child), and the raw baselines — a fetch + JSON.parse loop
// and a SQLite loop (WAL, 1,000-row transactions, prepared statements) with no relay logic.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, Pool, request } from 'undici';
import { stringify } from 'yaml';
import { validateConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { startRelay, type RunningRelay } from '../src/relay.js';
import type { RunResult } from '../src/sync/engine.js';
import { round, type Figure } from './lib.js';
import { SIM_API_KEY, type SimCommand, type SimVendor } from './sync-sim-protocol.js';

export type { SimVendor };
export const SOURCE_ID = 'bench';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const ROOT = new URL('..', import.meta.url).pathname;
const EPOCH = '1970-01-01T00:00:00.000Z';
/** The adapters' page sizes: Nexus allows at most 100 leads a page, Apten 1,000. */
export const PAGE_SIZE: Record<SimVendor, number> = { 'nexus-erp': 100, apten: 1000 };
/** Rows per transaction in the raw SQLite baselines. */
const BATCH = 1000;

// ---------------------------------------------------------------------------------------------
// The simulator process

export interface SimProcess {
  vendor: SimVendor;
  /** Where the account is served (a reset() moves it). */
  url: string;
  pid: number;
  seed(n: number): Promise<{ ms: number; leads: number }>;
  /** Changes `fraction` of the leads (evenly spread), each in a way a receiver would see. */
  change(fraction: number, round: number): Promise<{ changed: number }>;
  stats(): Promise<{ rssMb: number; requests: number }>;
  /** Starts over with an empty account, served at a new url. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimProcess(vendor: SimVendor, opts: { heapMb?: number } = {}): Promise<SimProcess> {
  const child = fork(join(ROOT, 'bench/sync-sim-child.ts'), [vendor, '7'], {
    cwd: ROOT,
    // A bigger young generation makes seeding 1M leads about a quarter faster (fewer scavenges).
    execArgv: ['--import', 'tsx', `--max-old-space-size=${opts.heapMb ?? 4096}`, '--max-semi-space-size=64'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code}) before listening`)));
  });
  let next = 0;
  const pending = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  child.on('message', (m: { id?: number; error?: string }) => {
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (m.error) p.reject(new Error(`simulator: ${m.error}`));
    else p.resolve(m);
  });
  const call = <T>(cmd: SimCommand): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, ...cmd });
    });
  const sim: SimProcess = {
    vendor,
    url,
    pid: child.pid!,
    seed: (n) => call({ op: 'seed', n }),
    change: (fraction, r) => call({ op: 'change', fraction, round: r }),
    stats: () => call({ op: 'stats' }),
    reset: async () => {
      sim.url = (await call<{ url: string }>({ op: 'reset' })).url;
    },
    close: () => exitOf(child, () => child.disconnect()),
  };
  return sim;
}

function exitOf(child: ChildProcess, stop: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stop();
  return exited;
}

// ---------------------------------------------------------------------------------------------
// The relay

function relayConfig(sim: SimProcess, dbPath: string, initialSync: 'baseline' | 'emit') {
  return {
    server: { host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN, logLevel: 'warn' },
    storage: { path: dbPath },
    sources: [
      {
        id: SOURCE_ID,
        vendor: sim.vendor,
        baseUrl: sim.url,
        apiKey: SIM_API_KEY,
        // Only the benchmark's own triggers run (the first poll at start finds an empty account).
        pollInterval: '20d',
        initialSync,
      },
    ],
    // No subscriptions: delivery has nothing to send, so it does not compete with the sync for the CPU.
    subscriptions: [],
  };
}

export interface BenchRelay {
  relay: RunningRelay;
  /** One sync run, from trigger to its end. */
  sync(): Promise<{ ms: number; result: RunResult }>;
  stop(): Promise<void>;
}

/** The relay in this process (startRelay), its admin API not listening; syncs run by syncNow. */
export async function startInProcessRelay(sim: SimProcess, dir: string, initialSync: 'baseline' | 'emit'): Promise<BenchRelay> {
  const parsed = validateConfig(relayConfig(sim, join(dir, 'relay.db'), initialSync));
  if (!parsed.ok) throw new Error(`bad bench config: ${JSON.stringify(parsed.problems)}`);
  const relay = await startRelay(parsed.config, { logger: createLogger({ level: 'warn' }), listen: false });
  return {
    relay,
    async sync() {
      const start = performance.now();
      const result = await relay.syncNow(SOURCE_ID)!;
      const ms = performance.now() - start;
      if (!result.ok) throw new Error(`relay sync failed: ${JSON.stringify(result.error)}`);
      return { ms, result };
    },
    stop: () => relay.stop(),
  };
}

const patient = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export interface ChildRelayProcess {
  pid: number;
  /** Its admin API. */
  url: string;
  /** One sync by the admin API: wall time, and the relay process's CPU time during it. */
  sync(): Promise<{ ms: number; cpuMs: number; stats: RunResult['stats'] }>;
  /** Peak resident set size of the relay process so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** The built relay (dist/cli/main.js start) as its own process, as in production; syncs run by the admin API. */
export async function startChildRelay(
  sim: SimProcess,
  dir: string,
  initialSync: 'baseline' | 'emit',
  execArgv: string[] = [],
): Promise<ChildRelayProcess> {
  const configPath = join(dir, 'relay.yaml');
  writeFileSync(configPath, stringify(relayConfig(sim, join(dir, 'relay.db'), initialSync)));
  const proc = spawn(process.execPath, [...execArgv, join(ROOT, 'dist/cli/main.js'), 'start', '--config', configPath], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // info, so the "leadrelay listening" line tells us the port.
    env: { ...process.env, LEADRELAY_LOG_LEVEL: 'info' },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /"url":"(http:[^"]+)"/.exec(output);
      if (m) resolve(m[1]!);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`relay exited (${code}) before listening:\n${output}`)));
  });
  // Keep draining its output (a full pipe would block the child), but do not keep it.
  proc.stdout!.removeAllListeners('data').resume();
  proc.stderr!.removeAllListeners('data').on('data', (c: Buffer) => process.stderr.write(c));
  return {
    pid: proc.pid!,
    url,
    async sync() {
      const start = performance.now();
      const cpuBefore = cpuMsOf(proc.pid!);
      const res = await request(`${url}/v1/sources/${SOURCE_ID}/sync?wait=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        dispatcher: patient,
      });
      const body = (await res.body.json()) as { status: string; stats: RunResult['stats']; error: unknown };
      const ms = performance.now() - start;
      if (res.statusCode !== 200 || body.status !== 'ok') throw new Error(`relay sync failed: ${res.statusCode} ${JSON.stringify(body)}`);
      return { ms, cpuMs: cpuMsOf(proc.pid!) - cpuBefore, stats: body.stats };
    },
    peakRssMb: () => vmHwmMb(proc.pid!),
    stop: () => exitOf(proc, () => proc.kill('SIGTERM')),
  };
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms. Unlike wall time it does
 * not grow while the process waits for a core that other work on a shared machine holds.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
/** USER_HZ: 100 on Linux on every common architecture (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** VmHWM of a process: the peak of its resident set size, kept by the kernel. */
export function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for process ${pid}`);
  return Number(m[1]) / 1024;
}

// ---------------------------------------------------------------------------------------------
// The raw baselines

type Rec = Record<string, unknown> & { id: string; updatedAt?: string };

export interface FetchResult {
  leads: number;
  pages: number;
  /** Time in requests and JSON.parse only (not in onPage). */
  ms: number;
}

/**
 * The raw fetch loop: undici request + JSON.parse over the same pages the relay's adapter reads
 * (same page size, same query), and nothing else. `onPage` runs outside the timed part.
 */
export async function rawFetch(sim: SimProcess, onPage: (records: Rec[]) => void, opts: { updatedSince?: string } = {}): Promise<FetchResult> {
  const pool = new Pool(sim.url, { connections: 1 });
  const pageSize = PAGE_SIZE[sim.vendor];
  let leads = 0;
  let pages = 0;
  let ms = 0;
  try {
    if (sim.vendor === 'nexus-erp') {
      for (let page = 1; ; page++) {
        const start = performance.now();
        const res = await pool.request({
          method: 'GET',
          path: `/api/v1/leads?page=${page}&pageSize=${pageSize}`,
          headers: { accept: 'application/json', authorization: `Bearer ${SIM_API_KEY}` },
        });
        const body = JSON.parse(await res.body.text()) as { data: Rec[]; pagination: { hasNextPage: boolean } };
        ms += performance.now() - start;
        pages++;
        leads += body.data.length;
        onPage(body.data);
        if (!body.pagination.hasNextPage) break;
      }
    } else {
      let token: string | null = null;
      do {
        const start = performance.now();
        const q = new URLSearchParams({ updatedSince: opts.updatedSince ?? EPOCH, limit: String(pageSize) });
        if (token) q.set('nextToken', token);
        const res = await pool.request({
          method: 'GET',
          path: `/leads?${q}`,
          headers: { accept: 'application/json', 'x-api-key': SIM_API_KEY },
        });
        const body = JSON.parse(await res.body.text()) as { leads: Rec[]; nextToken: string | null };
        ms += performance.now() - start;
        pages++;
        leads += body.leads.length;
        onPage(body.leads);
        token = body.nextToken;
      } while (token);
    }
  } finally {
    await pool.close();
  }
  return { leads, pages, ms };
}

/**
 * The raw SQLite side: one table of leads (id, content hash, JSON; a plain rowid table, SQLite's
 * default, keyed by a unique index on the id) and an outbox table, WAL, 1,000-row
 * transactions, statements prepared once. Per batch it reads the stored hashes in one query, and for
 * each lead hashes its JSON, then inserts or updates the lead and appends one outbox row when the
 * hash is new or different — what a diff into SQLite needs, with no relay logic around it.
 */
export class RawStore {
  readonly db: Database.Database;
  private readonly hashes;
  private readonly insertLead;
  private readonly updateLead;
  private readonly insertEvent;
  private readonly batchTx;
  private eventSeq = 0;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE leads (lead_id TEXT PRIMARY KEY, hash TEXT NOT NULL, raw TEXT NOT NULL);
      CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
        lead_id TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL);`);
    this.hashes = this.db.prepare(`SELECT lead_id, hash FROM leads WHERE lead_id IN (SELECT value FROM json_each(?))`).raw();
    this.insertLead = this.db.prepare(`INSERT INTO leads (lead_id, hash, raw) VALUES (?, ?, ?)`);
    this.updateLead = this.db.prepare(`UPDATE leads SET hash = ?, raw = ? WHERE lead_id = ?`);
    this.insertEvent = this.db.prepare(`INSERT INTO events (id, type, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?)`);
    this.batchTx = this.db.transaction((records: readonly Rec[]) => {
      const stored = new Map(this.hashes.all(JSON.stringify(records.map((r) => r.id))) as Array<[string, string]>);
      const now = new Date().toISOString();
      let written = 0;
      for (const r of records) {
        const json = JSON.stringify(r);
        const hash = createHash('sha256').update(json).digest('base64url');
        const prev = stored.get(r.id);
        if (prev === hash) continue;
        const type = prev === undefined ? 'lead.created' : 'lead.updated';
        if (prev === undefined) this.insertLead.run(r.id, hash, json);
        else this.updateLead.run(hash, json, r.id);
        this.insertEvent.run(`evt_${++this.eventSeq}`, type, r.id, now, `{"type":"${type}","timestamp":"${now}","data":${json}}`);
        written++;
      }
      return written;
    });
  }

  /** Diffs `records` in 1,000-row transactions; returns the time taken and how many rows were written. */
  apply(records: readonly Rec[]): { ms: number; written: number } {
    const start = performance.now();
    let written = 0;
    for (let i = 0; i < records.length; i += BATCH) written += this.batchTx(records.slice(i, i + BATCH)) as number;
    return { ms: performance.now() - start, written };
  }

  close(): void {
    this.db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Figures and scratch space

/** The raw pipeline's rate when fetch+parse and the SQLite loop run one after the other: 1 / (1/f + 1/i). */
export function combinedRate(fetchRate: number, dbRate: number): number {
  return 1 / (1 / fetchRate + 1 / dbRate);
}

/** Lower is better (time per lead, memory): ratio is baseline / relay, "share of the baseline" as in lib.ts. */
export function lowerIsBetter(unit: string, relay: number, baseline: number, target?: number, notes?: string): Figure {
  return { unit, relay: round(relay, 2), baseline: round(baseline, 2), ratio: round(baseline / relay, 3), target, notes };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function scratchDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `leadrelay-bench-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function log(line: string): void {
  console.log(`  · ${line}`);
}
