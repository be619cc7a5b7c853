// Several relay replicas (child processes, each with its own LEADRELAY_REPLICA_ID) sharing one
// PostgreSQL database: they poll several Apten and Nexus ERP accounts (simulators behind taps, so a
// test can act on a page request) and deliver to one verifying subscriber. With the reads the
// replica tests judge by: who owns what (the admin API), runs per replica (/metrics), the queue (SQL).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { generateSecret } from '../../src/delivery/sign.js';
import { canonicalJson } from '../../src/util/canonical.js';
import { AptenSimulator, aptenActivityStep, mulberry32, type Random } from '../../src/vendors/apten/sim/index.js';
import { NexusSimulator, nexusActivityStep } from '../../src/vendors/nexus-erp/sim/index.js';
import type { SimServerHandle } from '../../src/vendors/sim-common/types.js';
import { ChildRelay } from './child-relay.js';
import { checkAccepted, type CheckedSource, type CheckResult } from './crash-check.js';
import { TestSubscriber } from './subscriber.js';
import { VendorTap, type TappedRequest } from './vendor-tap.js';
import { waitFor } from './wait.js';

export const CLUSTER_TOKEN = 'replica-test-admin-token-0123';

export interface ClusterOptions {
  dir: string;
  storageUrl: string;
  replicas: number;
  /** Apten and Nexus ERP accounts, one source each. */
  aptenSources: number;
  nexusSources: number;
  leaseTtlMs: number;
  pollIntervalMs: number;
  seed: number;
  /** storage.statementTimeout (default: the relay's, 30 s). */
  statementTimeout?: string;
}

export interface ClusterSource<S> extends CheckedSource<S> {
  vendor: 'apten' | 'nexus';
  tap: VendorTap;
  server: SimServerHandle;
  /** Nexus ERP: the lead ids of every list page the vendor answered (to explain a delete by absence). */
  pages: Array<{ at: number; page: number; ids: string[] }>;
}

export interface SourceView {
  id: string;
  owner: string | null;
  leaseExpiresAt: string | null;
  lastSync: { startedAt: string | null; result: string | null };
  lastError: { code: string; message: string } | null;
}

export class ReplicaCluster {
  readonly rnd: Random;
  readonly sub = new TestSubscriber(generateSecret());
  readonly aptens: Array<ClusterSource<AptenSimulator>> = [];
  readonly nexuses: Array<ClusterSource<NexusSimulator>> = [];
  readonly relays: ChildRelay[] = [];
  readonly ids: string[] = [];
  private pool: pg.Pool;
  private activity: NodeJS.Timeout | null = null;

  constructor(readonly opts: ClusterOptions) {
    this.rnd = mulberry32(opts.seed);
    this.pool = new pg.Pool({ connectionString: opts.storageUrl, max: 2 });
    // A restarted server cuts the idle connections: the next query opens a new one.
    this.pool.on('error', () => {});
  }

  get sources(): Array<ClusterSource<AptenSimulator> | ClusterSource<NexusSimulator>> {
    return [...this.aptens, ...this.nexuses];
  }

  async start(): Promise<void> {
    const { opts } = this;
    for (let i = 1; i <= opts.aptenSources; i++) {
      const sim = new AptenSimulator({ apiKey: `replica-apten-key-${i}`, random: mulberry32(opts.seed * 10 + i) });
      // Small pages: a run is several requests, so a page request is "in the middle of a sync".
      sim.seed(40, { eventsPerLead: 0 });
      sim.seed(10, { eventsPerLead: 2 });
      const server = await sim.listen();
      const tap = await new VendorTap(server.url).start();
      this.aptens.push({ sourceId: `apten-${i}`, vendor: 'apten', sim, server, tap, pages: [], seeded: new Set(sim.leads().map((l) => canonicalJson(l))) });
    }
    for (let i = 1; i <= opts.nexusSources; i++) {
      const sim = new NexusSimulator({ apiKey: `replica-nexus-key-${i}`, random: mulberry32(opts.seed * 20 + i) });
      sim.seed(60);
      const server = await sim.listen();
      const tap = await new VendorTap(server.url).start();
      const pages: ClusterSource<NexusSimulator>['pages'] = [];
      tap.onResponse = (r, status, body) => {
        if (r.path !== '/api/v1/leads' || status !== 200) return;
        const ids = (JSON.parse(body.toString()) as { data: Array<{ id: string }> }).data.map((l) => l.id);
        pages.push({ at: r.at, page: Number(r.query.get('page') ?? 1), ids });
      };
      this.nexuses.push({ sourceId: `nexus-${i}`, vendor: 'nexus', sim, server, tap, pages, seeded: new Set(sim.leads().map((l) => canonicalJson(l))) });
    }
    await this.sub.start();
    const poll = `${opts.pollIntervalMs}ms`;
    const config = {
      server: { host: '127.0.0.1', port: 0, adminToken: CLUSTER_TOKEN },
      storage: { url: opts.storageUrl, leaseTtl: `${opts.leaseTtlMs}ms`, poolSize: 4, ...(opts.statementTimeout ? { statementTimeout: opts.statementTimeout } : {}) },
      sources: [
        ...this.aptens.map((s, i) => ({
          id: s.sourceId, vendor: 'apten', baseUrl: s.tap.url, apiKey: `replica-apten-key-${i + 1}`,
          pollInterval: poll, initialSync: 'emit', pageSize: 5, maxRetries: 1,
        })),
        ...this.nexuses.map((s, i) => ({
          id: s.sourceId, vendor: 'nexus-erp', baseUrl: s.tap.url, apiKey: `replica-nexus-key-${i + 1}`,
          // Pages of 20, as in test/crash.test.ts: the vendor's shifting order can skip a lead at a page
          // boundary, and one skipped in two scans in a row is reported deleted (RELIABILITY.md "Known
          // limits"); fewer boundaries keep that vendor-made noise out of what this harness judges.
          pollInterval: poll, initialSync: 'emit', pageSize: 20, maxRetries: 1,
        })),
      ],
      subscriptions: [{ id: 'all', url: this.sub.url, secret: this.sub.secret }],
      delivery: {
        allowPrivateTargets: true,
        timeout: '2s',
        // Long enough that no delivery runs out of attempts while the subscriber fails on purpose.
        retrySchedule: ['20ms', '50ms', '100ms', '200ms', ...Array<string>(60).fill('500ms')],
        // The breaker would pause the endpoint for seconds; the retry queue itself is under test.
        circuitBreakerAfter: 10_000,
        circuitBreakerCooldown: '50ms',
      },
    };
    for (let i = 1; i <= opts.replicas; i++) {
      const dir = join(opts.dir, `r${i}`);
      mkdirSync(dir, { recursive: true });
      this.ids.push(`r${i}`);
      this.relays.push(new ChildRelay(dir, config, { LEADRELAY_REPLICA_ID: `r${i}` }));
    }
    await Promise.all(this.relays.map((r) => r.start()));
  }

  relayOf(replicaId: string): ChildRelay {
    const i = this.ids.indexOf(replicaId);
    if (i < 0) throw new Error(`no replica ${replicaId}`);
    return this.relays[i]!;
  }

  sourceById(id: string): ClusterSource<AptenSimulator> | ClusterSource<NexusSimulator> {
    const s = this.sources.find((x) => x.sourceId === id);
    if (!s) throw new Error(`no source ${id}`);
    return s;
  }

  /** GET on a replica's admin API (by default any running one), parsed. */
  async api<T = any>(path: string, replicaId?: string): Promise<{ status: number; body: T }> {
    const relay = replicaId ? this.relayOf(replicaId) : this.relays.find((r) => r.running && r.url);
    if (!relay) throw new Error('no replica is running');
    const res = await request(`${relay.url}${path}`, { headers: { authorization: `Bearer ${CLUSTER_TOKEN}` }, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T };
  }

  async sourcesView(replicaId?: string): Promise<SourceView[]> {
    const res = await this.api<{ data: SourceView[] }>('/v1/sources', replicaId);
    if (res.status !== 200) throw new Error(`GET /v1/sources: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  /** GET /v1/replicas: the live replicas and what each polls. */
  async replicasView(replicaId?: string): Promise<Array<{ id: string; sources: string[] }>> {
    const res = await this.api<{ data: Array<{ id: string; sources: string[] }> }>('/v1/replicas', replicaId);
    if (res.status !== 200) throw new Error(`GET /v1/replicas: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  /** Waits until every replica of `ids` is live and polls exactly its share of the sources. */
  async waitForSpread(ids: readonly string[] = this.ids, timeoutMs = 30_000): Promise<Array<{ id: string; sources: string[] }>> {
    const share = Math.ceil(this.sources.length / ids.length);
    return waitFor(
      async () => {
        const view = await this.replicasView(ids.find((id) => this.relayOf(id).running));
        const polled = view.flatMap((r) => r.sources);
        const even = view.length === ids.length && view.every((r) => ids.includes(r.id) && r.sources.length >= share - 1 && r.sources.length <= share);
        return even && polled.length === this.sources.length && new Set(polled).size === polled.length ? view : null;
      },
      { timeoutMs, intervalMs: 100, what: `the sources spread evenly over ${ids.join(', ')}` },
    );
  }

  /** Sync runs each source had on this replica so far (leadrelay_sync_runs_total, ok and error). */
  async runsOn(replicaId: string): Promise<Map<string, number>> {
    const relay = this.relayOf(replicaId);
    const res = await request(`${relay.url}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET /metrics on ${replicaId}: ${res.statusCode} ${text.slice(0, 300)}`);
    return parseCounter(text, 'leadrelay_sync_runs_total', 'source');
  }

  async metricsText(replicaId: string): Promise<{ status: number; text: string }> {
    const res = await request(`${this.relayOf(replicaId).url}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** How much each replica has logged so far: what it logs after this is new. */
  logMarks(): Map<string, number> {
    return new Map(this.ids.map((id, i) => [id, this.relays[i]!.output.length]));
  }

  /**
   * Waits until every source of `held` has a new owner (not `from`) that ran it after `since`, and
   * says, per source, how long after `since` the new owner's first page came: its first list request
   * after it logged taking the lease (a request the old owner sent just before dying may still reach
   * the vendor after `since`). `logFrom`: logMarks() taken at `since`.
   */
  async failover(from: string, held: readonly string[], since: number, logFrom: Map<string, number>, timeoutMs = 30_000): Promise<Array<{ source: string; owner: string; ms: number }>> {
    const other = this.ids.find((id) => id !== from && this.relayOf(id).running)!;
    const rows = await waitFor(
      async () => {
        const view = (await this.sourcesView(other)).filter((s) => held.includes(s.id));
        const moved = view.every((s) => s.owner !== null && s.owner !== from && s.lastSync.startedAt !== null && Date.parse(s.lastSync.startedAt) >= since);
        return moved ? view : null;
      },
      { timeoutMs, intervalMs: 100, what: `the sources of ${from} (${held.join(', ')}) taken over` },
    );
    const out: Array<{ source: string; owner: string; ms: number }> = [];
    for (const s of rows) {
      const acquiredAt = this.leaseAcquiredAt(s.owner!, s.id, logFrom.get(s.owner!) ?? 0);
      if (acquiredAt === null) throw new Error(`${s.owner} owns ${s.id} but never logged taking its lease`);
      // The run has started (lastSync.startedAt), but its first list request may still be on its
      // way to the vendor's tap: wait for it rather than look once.
      const first = await waitFor(
        () => this.sourceById(s.id).tap.seen.find((r) => r.at >= acquiredAt && (r.path === '/leads' || r.path === '/api/v1/leads')),
        { timeoutMs: 10_000, what: `a list request of ${s.id} after ${s.owner} took it` },
      );
      out.push({ source: s.id, owner: s.owner!, ms: first.at - since });
    }
    return out;
  }

  /**
   * SIGSTOPs the replica between two statements of one of its transactions on the sources table (a
   * sync page or a scan being committed: it holds that source's row lock), as seen in
   * pg_stat_activity and pg_locks before and after the stop; retried until it lands there.
   */
  async freezeInTransaction(replicaId: string, timeoutMs = 30_000): Promise<{ at: number; attempts: number }> {
    const relay = this.relayOf(replicaId);
    const inTx = async () =>
      (
        await this.sql(
          `SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
           WHERE a.application_name = $1 AND a.state = 'idle in transaction' AND l.relation = 'sources'::regclass LIMIT 1`,
          [`leadrelay/${replicaId}`],
        )
      ).length > 0;
    const deadline = Date.now() + timeoutMs;
    for (let attempts = 1; Date.now() < deadline; attempts++) {
      if (!(await inTx())) continue;
      relay.pause();
      const at = Date.now();
      if (await inTx()) return { at, attempts };
      relay.resume();
    }
    throw new Error(`${replicaId} was never caught inside a transaction within ${timeoutMs} ms`);
  }

  /** When the replica logged taking the source's lease ("polling this source"), in its output from `from` on. */
  leaseAcquiredAt(replicaId: string, sourceId: string, from = 0): number | null {
    for (const line of this.relayOf(replicaId).output.slice(from).split('\n')) {
      if (!line.includes('lease acquired') || !line.includes(`"source":"${sourceId}"`)) continue;
      try {
        return Date.parse((JSON.parse(line) as { time: string }).time);
      } catch {
        // a line cut by the output's start: not this one
      }
    }
    return null;
  }

  async sql<R extends pg.QueryResultRow = any>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, params)).rows;
  }

  /** One random change at every vendor account (the simulators' own activity steps). */
  activityStep(): void {
    for (const s of this.aptens) aptenActivityStep(s.sim, this.rnd);
    for (const s of this.nexuses) nexusActivityStep(s.sim, this.rnd);
  }

  startActivity(everyMs: number): void {
    this.stopActivity();
    this.activity = setInterval(() => this.activityStep(), everyMs);
  }

  stopActivity(): void {
    if (this.activity) clearInterval(this.activity);
    this.activity = null;
  }

  /**
   * Vendors quiet, subscriber healthy, every replica running: waits until every source has had two
   * successful runs started after the last vendor change (for Nexus ERP two complete scans, which
   * settle deletes by absence) and every event has a succeeded delivery.
   */
  async converge(timeoutMs: number): Promise<{ undelivered: number; failed: number; ms: number }> {
    this.stopActivity();
    this.sub.respond = () => 204;
    const t0 = Date.now();
    const freshSince = async (t: number): Promise<boolean> => {
      const rows = await this.sql<{ id: string; vendor: string; last_sync_started_at: string | null; last_sync_result: string | null; last_complete_scan_at: string | null }>(
        'SELECT id, vendor, last_sync_started_at, last_sync_result, last_complete_scan_at FROM sources',
      );
      return rows.every((r) => {
        const started = r.last_sync_started_at ? Date.parse(r.last_sync_started_at) : 0;
        if (r.last_sync_result !== 'ok' || started <= t) return false;
        return r.vendor !== 'nexus-erp' || (r.last_complete_scan_at !== null && Date.parse(r.last_complete_scan_at) >= started);
      });
    };
    const queue = async () =>
      (
        await this.sql<{ undelivered: number; unfanned: number; failed: number }>(
          `SELECT (SELECT count(*)::int FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'succeeded')) AS undelivered,
                  (SELECT count(*)::int FROM fanout_pending) AS unfanned,
                  (SELECT count(*)::int FROM deliveries WHERE status = 'failed') AS failed`,
        )
      )[0]!;
    const deadline = t0 + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    let state = '';
    try {
      await waitFor(() => freshSince(t0), { timeoutMs: left(), intervalMs: 100, what: 'a successful run of every source after the last change' });
      const t1 = Date.now();
      await waitFor(
        async () => {
          const q = await queue();
          state = JSON.stringify(q);
          return (await freshSince(t1)) && q.undelivered === 0 && q.unfanned === 0;
        },
        { timeoutMs: left(), intervalMs: 100, what: 'a second run of every source and every event delivered' },
      );
    } catch (err) {
      const tails = this.relays.map((r, i) => `--- ${this.ids[i]} (tail):\n${r.output.slice(-2500)}`).join('\n');
      throw new Error(`${(err as Error).message} (queue ${state})\n${tails}`);
    }
    const q = await queue();
    return { undelivered: q.undelivered, failed: q.failed, ms: Date.now() - t0 };
  }

  /** The subscriber's log judged against every simulator's own change log. */
  judge(): CheckResult {
    return checkAccepted(this.sub.accepted, { apten: this.aptens, nexus: this.nexuses });
  }

  /**
   * For a failure message: what every replica logged about a source (leases, failed runs, runs that
   * deleted by absence) within `aroundMs` of the runs that deleted by absence, oldest first.
   */
  explain(sourceId: string, leadId?: string, aroundMs = 5000): string {
    const lines: Array<{ at: number; text: string }> = [];
    this.relays.forEach((r, i) => {
      for (const line of r.output.split('\n')) {
        if (!line.includes(`"${sourceId}"`) || !/lease|polling|sync failed|missingDeleted":[1-9]|scanComplete":false/.test(line)) continue;
        try {
          lines.push({ at: Date.parse((JSON.parse(line) as { time: string }).time), text: `${this.ids[i]} ${line.slice(0, 700)}` });
        } catch {
          // a line cut by the kept output's start
        }
      }
    });
    const deletes = lines.filter((l) => /missingDeleted":[1-9]/.test(l.text)).map((l) => l.at);
    // What the vendor answered meanwhile: did each page-1-to-last listing contain the lead?
    const pages = this.sources.find((s) => s.sourceId === sourceId)?.pages ?? [];
    for (const p of pages) {
      if (!leadId || !deletes.some((t) => Math.abs(p.at - t) <= aroundMs)) continue;
      lines.push({ at: p.at, text: `vendor page ${p.page}: ${p.ids.length} leads${p.ids.includes(leadId) ? `, ${leadId} listed` : ''}` });
    }
    return lines
      .filter((l) => deletes.some((t) => Math.abs(l.at - t) <= aroundMs))
      .sort((a, b) => a.at - b.at)
      .map((l) => `${new Date(l.at).toISOString()} ${l.text}`)
      .join('\n');
  }

  async close(): Promise<void> {
    this.stopActivity();
    for (const r of this.relays) r.resume();
    await Promise.allSettled(this.relays.map((r) => r.kill()));
    await Promise.allSettled([this.sub.close(), ...this.sources.flatMap((s) => [s.tap.close(), s.server.close()]), this.pool.end()]);
  }
}

/** A list page of a run (not the first one): the run is under way. */
export function isLaterPage(vendor: 'apten' | 'nexus', r: TappedRequest): boolean {
  if (vendor === 'apten') return r.path === '/leads' && r.query.has('nextToken');
  return r.path === '/api/v1/leads' && Number(r.query.get('page') ?? '1') > 1;
}

/** Sums a counter's samples per value of one label, from a Prometheus text exposition. */
export function parseCounter(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(m[1]!)?.[1];
    if (value !== undefined) out.set(value, (out.get(value) ?? 0) + Number(m[2]));
  }
  return out;
}
