// The crash scenario: one relay (child process) syncing an Apten and a Nexus ERP simulator into one
// database and delivering to one subscriber, SIGKILLed at planned points in every phase of its work
// (boot, first sync, delivery bursts, retry backlogs, live vendor activity), restarted each time on
// the same database, then left to converge so the outcome can be judged against the simulators.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { generateSecret } from '../../src/delivery/sign.js';
import { canonicalJson } from '../../src/util/canonical.js';
import { AptenSimulator, aptenActivityStep, mulberry32, startAptenActivity, type Random } from '../../src/vendors/apten/sim/index.js';
import { NexusSimulator, nexusActivityStep, startNexusActivity } from '../../src/vendors/nexus-erp/sim/index.js';
import type { SimServerHandle } from '../../src/vendors/sim-common/types.js';
import { ChildRelay } from './child-relay.js';
import { TestSubscriber } from './subscriber.js';
import { VendorTap, type TappedRequest } from './vendor-tap.js';
import { waitFor } from './wait.js';

export const PHASES = ['startup', 'first-sync', 'delivery-burst', 'retry-backlog', 'vendor-activity'] as const;
export type Phase = (typeof PHASES)[number];

export interface KillRecord {
  phase: Phase;
  /** What fired the kill, e.g. "apten-page", "webhook-before-ack", "timer". */
  trigger: string;
}

const TOKEN = 'crash-test-admin-token-000';
const APTEN_KEY = 'crash-apten-key';
const NEXUS_KEY = 'crash-nexus-key';
// Small Apten pages: a long first sync (many pages) without a big backlog of lead.created to deliver.
const PAGE_SIZE = 5;
// Block sizes after the first sync: short blocks, so no delivery outlives its retry schedule in a
// long soak, and every phase recurs with whatever backlog the previous ones left.
const CYCLE: ReadonlyArray<[Phase, number]> = [
  ['delivery-burst', 4],
  ['retry-backlog', 3],
  ['vendor-activity', 3],
];
// A trigger that never fires (e.g. the backlog ran dry) must not stall the run: kill on a timer instead.
const FALLBACK_KILL_MS = 3000;

/** Which phase each kill point belongs to, in order: boot, first sync, then cycles of the rest. */
export function planKills(total: number): Phase[] {
  const startup = Math.min(10, Math.max(1, Math.round(total * 0.06)));
  const first = Math.min(40, Math.max(1, Math.round(total * 0.3)));
  const plan: Phase[] = [...Array<Phase>(startup).fill('startup'), ...Array<Phase>(first).fill('first-sync')];
  while (plan.length < total) {
    for (const [phase, n] of CYCLE) for (let i = 0; i < n && plan.length < total; i++) plan.push(phase);
  }
  return plan.slice(0, total);
}

export class CrashScenario {
  readonly rnd: Random;
  readonly apten: AptenSimulator;
  readonly nexus: NexusSimulator;
  readonly sub: TestSubscriber;
  readonly kills: KillRecord[] = [];
  /** First-sync kills after which some source had still not finished its first sync (read from the database). */
  killsInFirstSync = 0;
  /** Told how far convergence got, on every check (for LEADRELAY_CRASH_VERBOSE). */
  convergeTrace?: (state: string) => void;
  relay!: ChildRelay;
  aptenTap!: VendorTap;
  nexusTap!: VendorTap;
  readonly dbPath: string;
  private aptenServer!: SimServerHandle;
  private nexusServer!: SimServerHandle;
  private readonly plan: Phase[];
  /** Canonical JSON of every lead as seeded (seeding backdates records without logging each state). */
  readonly seeded: { apten: ReadonlySet<string>; nexus: ReadonlySet<string> };

  constructor(
    readonly dir: string,
    readonly killPoints: number,
    seed = 42,
  ) {
    this.rnd = mulberry32(seed);
    this.plan = planKills(killPoints);
    this.apten = new AptenSimulator({ apiKey: APTEN_KEY, random: mulberry32(seed + 1) });
    this.nexus = new NexusSimulator({ apiKey: NEXUS_KEY, random: mulberry32(seed + 2) });
    this.sub = new TestSubscriber(generateSecret());
    this.dbPath = join(dir, 'relay.db');
    // The first sync must outlast its kill points: a killed run commits at most a few pages.
    const firstSyncKills = this.plan.filter((p) => p === 'first-sync').length;
    const aptenLeads = (firstSyncKills * 4 + 6) * PAGE_SIZE;
    this.apten.seed(Math.round(aptenLeads * 0.8), { eventsPerLead: 0 });
    this.apten.seed(Math.round(aptenLeads * 0.2), { eventsPerLead: 2 });
    this.nexus.seed(Math.max(60, firstSyncKills * 12));
    this.seeded = {
      apten: new Set(this.apten.leads().map((l) => canonicalJson(l))),
      nexus: new Set(this.nexus.leads().map((l) => canonicalJson(l))),
    };
  }

  async start(): Promise<void> {
    this.aptenServer = await this.apten.listen();
    this.nexusServer = await this.nexus.listen();
    this.aptenTap = await new VendorTap(this.aptenServer.url).start();
    this.nexusTap = await new VendorTap(this.nexusServer.url).start();
    await this.sub.start();
    this.relay = new ChildRelay(this.dir, {
      server: { host: '127.0.0.1', port: 0, adminToken: TOKEN },
      storage: { path: this.dbPath },
      sources: [
        { id: 'apten', vendor: 'apten', baseUrl: this.aptenTap.url, apiKey: APTEN_KEY, pollInterval: '250ms', initialSync: 'emit', pageSize: PAGE_SIZE, maxRetries: 1 },
        { id: 'nexus', vendor: 'nexus-erp', baseUrl: this.nexusTap.url, apiKey: NEXUS_KEY, pollInterval: '300ms', initialSync: 'emit', pageSize: 20, maxRetries: 1 },
      ],
      subscriptions: [{ id: 'all', url: this.sub.url, secret: this.sub.secret }],
      delivery: {
        allowPrivateTargets: true,
        timeout: '2s',
        // Long enough (about 30 s of failures) that no delivery runs out of attempts in a retry block.
        retrySchedule: ['20ms', '50ms', '100ms', '200ms', ...Array<string>(60).fill('500ms')],
        // The breaker would pause the endpoint for seconds; here the retry queue itself is under test.
        circuitBreakerAfter: 10_000,
        circuitBreakerCooldown: '50ms',
      },
    });
  }

  /** Runs every planned kill point, in order. */
  async killAll(progress?: (i: number, k: KillRecord) => void): Promise<void> {
    let activity: Array<{ stop(): void }> = [];
    for (let i = 0; i < this.plan.length; i++) {
      const phase = this.plan[i]!;
      if (phase === 'vendor-activity' && activity.length === 0) {
        activity = [startAptenActivity(this.apten, { everyMs: 25, random: this.rnd }), startNexusActivity(this.nexus, { everyMs: 60, random: this.rnd })];
      } else if (phase !== 'vendor-activity' && activity.length > 0) {
        for (const a of activity) a.stop();
        activity = [];
      }
      const record = await this.killOnce(phase, i);
      this.kills.push(record);
      progress?.(i, record);
    }
    for (const a of activity) a.stop();
  }

  private async killOnce(phase: Phase, i: number): Promise<KillRecord> {
    const rnd = this.rnd;
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    // What the subscriber answers this run, and what the vendors do before it starts.
    this.sub.respond = phase === 'retry-backlog' ? () => (rnd() < 0.5 ? 503 : 500) : phase === 'vendor-activity' ? ({ count }) => (count === 1 && rnd() < 0.2 ? 503 : 204) : () => 204;
    if (phase === 'delivery-burst' || phase === 'retry-backlog') {
      for (let k = 0; k < (phase === 'retry-backlog' ? 6 : 3); k++) aptenActivityStep(this.apten, rnd);
      for (let k = 0; k < (phase === 'retry-backlog' ? 4 : 2); k++) nexusActivityStep(this.nexus, rnd);
    }
    if (phase === 'retry-backlog') {
      // Deletes on purpose (activity deletes only now and then): every run has some to find while crashing.
      const nexusIds = this.nexus.leadIds();
      this.nexus.deleteLead(nexusIds[int(0, nexusIds.length - 1)]!);
      const aptenLive = this.apten.leads().filter((l) => !l.deleted);
      this.apten.deleteLead(aptenLive[int(0, aptenLive.length - 1)]!.id);
    }

    let trigger = 'timer';
    let fired: (() => void) | null = null;
    const killed = new Promise<void>((resolve) => (fired = resolve));
    const fire = (name: string, delayMs = -1) => {
      if (!fired) return;
      const done = fired;
      fired = null;
      trigger = name;
      // Synchronous by default: the relay dies while the request that fired this is still open.
      if (delayMs < 0) this.relay.killNow();
      else setTimeout(() => this.relay.killNow(), delayMs);
      done();
    };
    const disarm = () => {
      this.aptenTap.onRequest = null;
      this.nexusTap.onRequest = null;
      this.sub.respond = () => 204;
    };

    if (phase === 'startup') {
      // Killed while booting: opening the database, migrating (the first time), registering sources.
      this.relay.spawn();
      await Promise.race([waitFor(() => this.relay.url, { timeoutMs: 15_000 }).catch(() => {}), new Promise((r) => setTimeout(r, int(0, 600)))]);
      const booted = this.relay.url !== '';
      await this.relay.kill();
      return { phase, trigger: booted ? 'timer-after-listen' : 'boot' };
    }

    // Armed before the start, so every request and webhook of this run counts (timers start once it listens).
    let startTimer: (() => void) | null = null;
    if (phase === 'first-sync') {
      // Alternate sources, and the exact moment: as a page is asked for, or while the one before is committed.
      const which = i % 2 === 0 ? 'apten' : 'nexus';
      const tap = which === 'apten' ? this.aptenTap : this.nexusTap;
      const atRequest = int(1, 3);
      const delay = i % 3 === 0 ? int(1, 25) : -1;
      let n = 0;
      tap.onRequest = (r) => {
        if (isListRequest(which, r) && ++n === atRequest) fire(`${which}-page${delay < 0 ? '' : '-then-commit'}`, delay);
      };
    } else if (phase === 'delivery-burst' || phase === 'retry-backlog') {
      const at = phase === 'delivery-burst' ? int(1, 30) : int(2, 12);
      const afterAck = phase === 'delivery-burst' && i % 2 === 1;
      const answer = this.sub.respond;
      let n = 0;
      this.sub.respond = (req) => {
        const a = answer(req);
        // Before the ack: the receiver got it, the relay never hears so. After: heard, not yet recorded.
        if (++n === at) fire(phase === 'retry-backlog' ? 'failed-attempt' : afterAck ? 'webhook-after-ack' : 'webhook-before-ack', afterAck ? 0 : -1);
        return a;
      };
    } else if (phase === 'vendor-activity') {
      const kind = i % 4;
      if (kind === 0) startTimer = () => setTimeout(() => fire('timer'), int(50, 500));
      if (kind === 1) {
        // Mid-scan: the scan stays incomplete, and must not count towards deletes by absence.
        const at = int(2, 5);
        this.nexusTap.onRequest = (r) => void (Number(r.query.get('page')) === at && fire('nexus-mid-scan'));
      }
      if (kind === 2) {
        let n = 0;
        const at = int(1, 4);
        this.aptenTap.onRequest = (r) => void (r.path.endsWith('/events') && ++n === at && fire('apten-events'));
      }
      if (kind === 3) {
        let n = 0;
        const at = int(1, 15);
        const answer = this.sub.respond;
        this.sub.respond = (req) => {
          const a = answer(req);
          if (++n === at) fire('webhook-before-ack');
          return a;
        };
      }
    }

    let fallback: NodeJS.Timeout | undefined;
    try {
      // A trigger may fire before the relay is seen listening; that is a kill like any other.
      await this.relay.start().catch((err: unknown) => {
        if (fired) throw err;
      });
      startTimer?.();
      fallback = setTimeout(() => fire('timer-fallback'), FALLBACK_KILL_MS);
      await killed;
      await this.relay.exited;
    } finally {
      clearTimeout(fallback);
      disarm();
      await this.relay.kill();
    }
    // Read back after the kill: did it land while a source had not yet finished its first sync?
    if (phase === 'first-sync' && this.sourcesInFirstSync() > 0) this.killsInFirstSync++;
    return { phase, trigger };
  }

  /**
   * Last start: vendors quiet, subscriber healthy. Waits until every source has synced from scratch
   * after the last vendor change (Nexus: two complete scans, enough to find deletes by absence), and
   * every event in the outbox has a succeeded delivery; then stops the relay gracefully.
   */
  async converge(timeoutMs: number): Promise<{ exitCode: number | null; undelivered: number; failed: number }> {
    this.sub.respond = () => 204;
    const aptenFrom = this.aptenTap.seen.length;
    const nexusFrom = this.nexusTap.seen.length;
    await this.relay.start();
    const db = new Database(this.dbPath, { readonly: true });
    try {
      const undeliveredStmt = db.prepare(
        `SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'succeeded')`,
      ).pluck();
      const failedStmt = db.prepare(`SELECT count(*) FROM deliveries WHERE status = 'failed'`).pluck();
      await waitFor(
        () => {
          const nexusScans = this.nexusTap.seen.slice(nexusFrom).filter((r) => r.query.get('page') === '1').length;
          const aptenRuns = this.aptenTap.seen.slice(aptenFrom).filter((r) => isListRequest('apten', r) && !r.query.has('nextToken')).length;
          // The third scan's start means the second one after the last change has ended.
          const undelivered = undeliveredStmt.get() as number;
          this.convergeTrace?.(`nexus scans ${nexusScans}, apten runs ${aptenRuns}, undelivered ${undelivered}`);
          return nexusScans >= 3 && aptenRuns >= 2 && undelivered === 0;
        },
        { timeoutMs, intervalMs: 100, what: 'relay to sync and deliver everything' },
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\nrelay output (tail):\n${this.relay.output.slice(-3000)}`);
      });
      const exitCode = await this.relay.terminate();
      return { exitCode, undelivered: undeliveredStmt.get() as number, failed: failedStmt.get() as number };
    } finally {
      db.close();
    }
  }

  integrityCheck(): string {
    const db = new Database(this.dbPath, { readonly: true });
    try {
      return String(db.pragma('integrity_check', { simple: true }));
    } finally {
      db.close();
    }
  }

  private sourcesInFirstSync(): number {
    const db = new Database(this.dbPath, { readonly: true });
    try {
      return db.prepare(`SELECT count(*) FROM sources WHERE initial_sync_completed_at IS NULL`).pluck().get() as number;
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    await this.relay?.kill();
    await Promise.allSettled([this.sub.close(), this.aptenTap?.close(), this.nexusTap?.close(), this.aptenServer?.close(), this.nexusServer?.close()]);
  }
}

function isListRequest(vendor: 'apten' | 'nexus', r: TappedRequest): boolean {
  return vendor === 'apten' ? r.path === '/leads' : r.path === '/api/v1/leads';
}
