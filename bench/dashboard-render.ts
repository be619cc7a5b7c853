// dashboard-render: server time of each dashboard page on a big database (issue #14: under 200 ms
// with 1M events and 200k deliveries). Seeds a SQLite store (migrated by the relay) in bulk, then
// renders every page N times through the real Hono app (createApi + the dashboard, app.request with
// a logged-in session cookie: routing, session check, store reads, JSX, the HTML sent) and reports
// p50 and p95 per page. The baseline, measured in the same run, is the one indexed SELECT each page
// needs at its heart, run raw through better-sqlite3 on the same file (ratio = baseline / relay).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createApi } from '../src/api/app.js';
import type { RelayControl } from '../src/api/control.js';
import { openSqliteStore } from '../src/store/index.js';
import type { Store } from '../src/store/index.js';
import { systemClock } from '../src/util/time.js';
import { percentile, round, type Figure, type Scenario } from './lib.js';

const TOKEN = 'bench-dashboard-token-0123456789abcdef';
const SOURCES = [
  { id: 'apten', vendor: 'apten', share: 0.4 },
  { id: 'nexus', vendor: 'nexus-erp', share: 0.3 },
  { id: 'penguin', vendor: 'penguinmails', share: 0.2 },
  { id: 'mega', vendor: 'mega', share: 0.1 },
] as const;
/** Event types by share of the log; event.updated is the rare one. */
const TYPES: Array<[string, number]> = [
  ['lead.updated', 0.5],
  ['event.added', 0.3],
  ['lead.created', 0.15],
  ['lead.deleted', 0.04],
  ['event.updated', 0.01],
];
const SUBSCRIPTIONS = 20;
const DAY = 86_400_000;

interface Sizes {
  events: number;
  deliveries: number;
  leadsPerSource: number;
  renders: number;
}

/** Picks from a table of shares with a number in [0, 1). */
function pick<T>(table: ReadonlyArray<readonly [T, number]>, x: number): T {
  let acc = 0;
  for (const [v, share] of table) {
    acc += share;
    if (x < acc) return v;
  }
  return table.at(-1)![0];
}

/** A small deterministic generator (mulberry32): the same database every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function body(type: string, sourceId: string, vendor: string, leadId: string, n: number, at: string): string {
  const lead = { id: leadId, source: sourceId, vendor, name: `Lead ${n}`, email: `lead${n}@example.com`, status: n % 3 ? 'NEW' : 'QUALIFIED', tags: ['Tag 1'] };
  const data: Record<string, unknown> = { source: sourceId, vendor, lead };
  if (type === 'lead.updated') {
    data.previous = { ...lead, status: 'NEW', email: `old${n}@example.com` };
    data.changes = ['status', 'email'];
  }
  if (type.startsWith('event.')) data.event = { id: `ev_${n}`, type: 'message', occurredAt: at, data: { text: 'Hello, any news?' } };
  if (type === 'lead.deleted') data.reason = 'vendor_deleted';
  return JSON.stringify({ type, timestamp: at, data });
}

/** Writes the log, subscriptions, deliveries and attempts straight into the migrated file, in bulk. */
function seed(path: string, sizes: Sizes, now: number): { leadSample: { sourceId: string; leadId: string } } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const random = rng(14);
  const insertEvent = db.prepare('INSERT INTO events (seq, id, type, source_id, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const span = 30 * DAY;
  const sourceTable = SOURCES.map((s) => [s, s.share] as const);
  const seqs: Array<{ seq: number; sourceId: string; leadId: string }> = [];
  db.transaction(() => {
    for (let seq = 1; seq <= sizes.events; seq++) {
      const s = pick(sourceTable, random());
      const type = pick(TYPES, random());
      const n = Math.floor(random() * sizes.leadsPerSource);
      const leadId = `lead-${n}`;
      const at = new Date(now - span + Math.floor((span * seq) / sizes.events)).toISOString();
      insertEvent.run(seq, `evt_${String(seq).padStart(10, '0')}`, type, s.id, leadId, at, body(type, s.id, s.vendor, leadId, n, at));
      if (seq > sizes.events - sizes.deliveries) seqs.push({ seq, sourceId: s.id, leadId });
    }
  })();
  // Fan-out has passed every event: no worker would pick any up.
  db.prepare(`INSERT INTO cursors (name, value) VALUES ('fanout', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run(sizes.events);

  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at, completed_at)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO delivery_attempts (id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, next_attempt_at, subscription_id)
     VALUES (?, ?, 1, 'scheduled', ?, 40, ?, ?, ?, NULL, ?)`,
  );
  // The newest events' deliveries, over the last day: 95% succeeded, 4% failed, 1% pending.
  db.transaction(() => {
    seqs.forEach((e, i) => {
      const sub = `sub-${i % SUBSCRIPTIONS}`;
      const at = now - DAY + Math.floor((DAY * i) / seqs.length);
      const x = random();
      const status = x < 0.95 ? 'succeeded' : x < 0.99 ? 'failed' : 'pending';
      const code = status === 'succeeded' ? 200 : 500;
      const id = `dlv_${String(i).padStart(10, '0')}`;
      insertDelivery.run(id, sub, e.seq, `${e.sourceId}/${e.leadId}`, status, status === 'pending' ? now + DAY : at, code, code === 200 ? null : 'HTTP 500', at, at, status === 'pending' ? null : at);
      insertAttempt.run(`att_${String(i).padStart(10, '0')}`, id, at, code, code === 200 ? null : 'HTTP 500', code === 200 ? 'ok' : 'oops', sub);
    });
  })();
  db.exec('ANALYZE');
  db.close();
  const sample = seqs[Math.floor(seqs.length / 2)] ?? { sourceId: 'apten', leadId: 'lead-0' };
  return { leadSample: { sourceId: sample.sourceId, leadId: sample.leadId } };
}

function control(store: Store): RelayControl {
  return {
    store,
    clock: systemClock,
    replicaId: 'bench',
    leaseTtlMs: 30_000,
    sources: SOURCES.map((s) => ({ id: s.id, vendor: s.vendor, enabled: true, pollInterval: '60s', initialSync: 'baseline' as const })),
    syncNow: () => undefined,
    pollsHere: () => true,
    isSyncing: () => false,
    syncProgress: () => null,
    releaseHeldDeletes: () => undefined,
    deliveryChanged: () => {},
    allowPrivateTargets: false,
    secretRotationGraceMs: DAY,
    fingerprintKey: Buffer.alloc(32, 7),
    maxSubscriptions: 1000,
  };
}

interface PageCase {
  label: string;
  path: string;
  /** The SELECT at the heart of the page, raw. */
  baseline: (db: Database.Database) => unknown;
}

async function run(sizes: Sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-bench-dashboard-'));
  const path = join(dir, 'relay.db');
  const now = Date.now();
  try {
    // Migrate through the store, register the sources and subscriptions, then bulk-load the rest.
    let store = await openSqliteStore(path);
    await store.sources.register(SOURCES.map((s) => ({ id: s.id, vendor: s.vendor })), now);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const iso = new Date(now - 40 * DAY).toISOString();
      await store.subscriptions.insertWithinLimit(
        {
          id: `sub-${i}`, url: `https://hooks.example.com/${i}`, secret: `whsec_${Buffer.alloc(32, i).toString('base64')}`, previousSecrets: [],
          events: ['*'], sources: null, description: `Subscriber ${i}`, headers: {}, maxPerSecond: null, maxConcurrency: null, enabled: true, filter: null, payload: null,
          disabledReason: null, disabledAt: null, failingSince: null, consecutiveFailures: 0, circuitOpenUntil: null, origin: 'api',
          createdBy: 'admin', createdAt: iso, updatedAt: iso,
        },
        1000,
      );
    }
    await store.close();
    const seedStart = performance.now();
    const { leadSample } = seed(path, sizes, now);
    const seedMs = performance.now() - seedStart;
    store = await openSqliteStore(path);

    const api = createApi(control(store), { adminToken: TOKEN, logger: pino({ level: 'silent' }), dashboard: { sessionTtlMs: DAY } });
    const login = await api.request('http://relay.local/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: 'http://relay.local' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    const cookie = /leadrelay_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (login.status !== 303 || !cookie) throw new Error(`bench login failed: ${login.status}`);

    const raw = new Database(path, { readonly: true });
    const hourAgo = now - 3_600_000;
    const dayAgo = new Date(now - DAY).toISOString();
    const weekAgo = new Date(now - 7 * DAY).toISOString();
    const sinceDay = dayAgo.slice(0, 19);
    const { sourceId: leadSource, leadId } = leadSample;
    const older = (raw.prepare('SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET 5000').get() as { seq: number } | undefined)?.seq ?? 1;
    const stmt = (sql: string) => raw.prepare(sql);
    const cases: PageCase[] = [
      {
        label: 'overview',
        path: '/',
        baseline: ((s) => () => s.all(hourAgo))(stmt('SELECT subscription_id, count(*) FROM delivery_attempts WHERE started_at >= ? GROUP BY subscription_id')),
      },
      { label: 'events', path: '/events', baseline: ((s) => () => s.all())(stmt('SELECT * FROM events ORDER BY seq DESC LIMIT 51')) },
      {
        label: 'events, older page',
        path: `/events?before=${older}`,
        baseline: ((s) => () => s.all(older))(stmt('SELECT * FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by source',
        path: '/events?source=mega',
        baseline: ((s) => () => s.all('mega'))(stmt('SELECT * FROM events WHERE source_id = ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by rare type',
        path: '/events?type=event.updated',
        baseline: ((s) => () => s.all('event.updated'))(stmt('SELECT * FROM events WHERE type = ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by source and type',
        path: '/events?source=penguin&type=lead.deleted',
        baseline: ((s) => () => s.all('penguin', 'lead.deleted'))(stmt('SELECT * FROM events WHERE source_id = ? AND type = ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by lead',
        path: `/events?lead=${encodeURIComponent(leadId)}`,
        baseline: ((s) => () => s.all(leadSource, leadId))(stmt('SELECT * FROM events WHERE source_id = ? AND lead_id = ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events, last day',
        path: `/events?since=${sinceDay}`,
        baseline: ((s) => () => s.all(dayAgo))(stmt('SELECT * FROM events WHERE created_at >= ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by source, last 7 days',
        path: `/events?source=apten&since=${weekAgo.slice(0, 19)}`,
        baseline: ((s) => () => s.all('apten', weekAgo))(stmt('SELECT * FROM events WHERE source_id = ? AND created_at >= ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'events by type, last 7 days',
        path: `/events?type=lead.deleted&since=${weekAgo.slice(0, 19)}`,
        baseline: ((s) => () => s.all('lead.deleted', weekAgo))(stmt('SELECT * FROM events WHERE type = ? AND created_at >= ? ORDER BY seq DESC LIMIT 51')),
      },
      {
        label: 'lead',
        path: `/leads/${leadSource}/${encodeURIComponent(leadId)}`,
        baseline: ((s) => () => s.all(leadSource, leadId))(stmt('SELECT * FROM events WHERE source_id = ? AND lead_id = ? ORDER BY seq DESC LIMIT 101')),
      },
      {
        label: 'subscription (health, settings, delivery log)',
        path: '/subscriptions/sub-1',
        baseline: ((s) => () => s.all('sub-1'))(stmt('SELECT * FROM deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT 51')),
      },
      {
        label: 'subscription, failed deliveries only',
        path: '/subscriptions/sub-1?status=failed',
        baseline: ((s) => () => s.all('sub-1'))(stmt("SELECT * FROM deliveries WHERE subscription_id = ? AND status = 'failed' ORDER BY id DESC LIMIT 51")),
      },
      {
        label: 'delivery (body and attempts)',
        path: `/deliveries/dlv_${String(Math.floor(sizes.deliveries / 2)).padStart(10, '0')}`,
        baseline: ((s) => () => s.all(`dlv_${String(Math.floor(sizes.deliveries / 2)).padStart(10, '0')}`))(stmt('SELECT * FROM delivery_attempts WHERE delivery_id = ?')),
      },
    ];

    const figures: Record<string, Figure> = {};
    const pages: Record<string, unknown> = {};
    const details: Record<string, unknown> = { seedMs: round(seedMs), events: sizes.events, deliveries: sizes.deliveries, renders: sizes.renders, pages };
    for (const c of cases) {
      const render = async () => {
        const start = performance.now();
        const res = await api.request(`http://relay.local${c.path}`, { headers: { cookie: `leadrelay_session=${cookie}`, accept: 'text/html' } });
        const html = await res.text();
        const ms = performance.now() - start;
        if (res.status !== 200) throw new Error(`${c.path}: ${res.status} ${html.slice(0, 300)}`);
        return ms;
      };
      // Warm-up: statements prepared, the first overview counts the day's settled hours once.
      for (let i = 0; i < 2; i++) await render();
      for (let i = 0; i < 2; i++) c.baseline(raw);
      const relayMs: number[] = [];
      const baseMs: number[] = [];
      for (let i = 0; i < sizes.renders; i++) {
        relayMs.push(await render());
        const start = performance.now();
        c.baseline(raw);
        baseMs.push(performance.now() - start);
      }
      relayMs.sort((a, b) => a - b);
      baseMs.sort((a, b) => a - b);
      const p50 = percentile(relayMs, 50);
      const p95 = percentile(relayMs, 95);
      const b50 = Math.max(percentile(baseMs, 50), 0.001);
      figures[c.label] = {
        unit: 'ms',
        relay: round(p50, 2),
        baseline: round(b50, 3),
        ratio: round(b50 / p50, 4),
        notes: `p95 ${round(p95, 1)} ms, max ${round(relayMs.at(-1)!, 1)} ms (target: under 200 ms)`,
      };
      pages[c.label] = { p50: round(p50, 2), p95: round(p95, 2), max: round(relayMs.at(-1)!, 2), baselineP50: round(b50, 3) };
    }
    raw.close();
    await store.close();
    return { figures, details };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const dashboardRender: Scenario = {
  name: 'dashboard-render',
  description: 'server time of each dashboard page with 1M events and 200k deliveries (SQLite), vs the raw SELECT it needs',
  async run({ smoke }) {
    const sizes: Sizes = smoke
      ? { events: 3000, deliveries: 600, leadsPerSource: 200, renders: 3 }
      : { events: 1_000_000, deliveries: 200_000, leadsPerSource: 50_000, renders: 30 };
    const { figures, details } = await run(sizes);
    return { name: 'dashboard-render', figures, details };
  },
};
