// Config and database faults through the real CLI (interface.md "Running it"; issue #8 item 5): a bad
// config exits 1 naming every problem and starts nothing; an older database migrates with its data
// intact and its webhooks still flow; a newer one is refused and left untouched.
// Needs dist/ (the pretest script runs `npm run build`).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AptenSimulator } from '../src/vendors/apten/sim/index.js';
import { migrations } from '../src/store/sqlite/migrations/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { ChildRelay } from './helpers/child-relay.js';
import { runCli } from './helpers/run-cli.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LATEST = migrations.at(-1)!.version;
const TOKEN = 'config-faults-admin-token-77c1';
const KEY = 'config-faults-vendor-key-5e2a';

let dir: string;
/** A stand-in vendor that counts every request: a faulty config must never reach it. */
let vendor: Server;
let vendorUrl: string;
let vendorRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadrelay-config-faults-'));
  vendor = createServer((req, res) => {
    vendorRequests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
  vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => vendor.close(r));
  rmSync(dir, { recursive: true, force: true });
});

// A faulty config must make it exit by itself; a hang fails the test.
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env, timeoutMs: 10_000 });

/** A config whose every part is valid; each case breaks some of it. */
function config(name: string, overrides: { server?: string; storage?: string; sources?: string; delivery?: string } = {}): string {
  return `server:
${overrides.server ?? `  host: 127.0.0.1
  port: 0
  adminToken: \${CF_TOKEN}`}
storage:
${overrides.storage ?? `  path: ${join(dir, name, 'data', 'relay.db')}`}
sources:
${overrides.sources ?? `  - id: apten
    vendor: apten
    baseUrl: ${vendorUrl}/v1
    apiKey: \${CF_KEY}
    pollInterval: 100ms`}
delivery:
${overrides.delivery ?? `  timeout: 2s`}
`;
}

interface Case {
  name: string;
  /** The config file's text, or a function making the path to pass (for files that cannot be read). */
  yaml?: () => string;
  path?: () => string;
  env?: Record<string, string>;
  /** Each must appear in stderr: the path (or file) and the reason. */
  problems: RegExp[];
}

const ENV = { CF_TOKEN: TOKEN, CF_KEY: KEY };

const cases: Case[] = [
  {
    name: 'a directory instead of a file',
    path: () => {
      const p = join(dir, 'a-directory.yaml');
      mkdirSync(p, { recursive: true });
      return p;
    },
    problems: [/a-directory\.yaml: is a directory/],
  },
  {
    name: 'a file that does not exist',
    path: () => join(dir, 'nowhere', 'relay.yaml'),
    problems: [/nowhere\/relay\.yaml: no such file/],
  },
  {
    name: 'invalid YAML',
    yaml: () => 'server:\n  host: 127.0.0.1\n   port: [0\n',
    problems: [/line \d+, column \d+/],
  },
  {
    name: 'an unterminated flow mapping',
    yaml: () => `server: { host: 127.0.0.1, adminToken: "\${CF_TOKEN}"\nsources: []\n`,
    problems: [/line \d+, column \d+/],
  },
  {
    name: 'missing environment variables',
    yaml: () => config('missing-env'),
    env: {},
    problems: [/server\.adminToken: environment variable CF_TOKEN is not set/, /sources\[0\]\.apiKey: environment variable CF_KEY is not set/],
  },
  {
    name: 'bad durations',
    yaml: () => config('bad-durations', {
      sources: `  - id: apten
    vendor: apten
    baseUrl: ${vendorUrl}/v1
    apiKey: \${CF_KEY}
    pollInterval: 5 minutes
    requestTimeout: 30`,
      delivery: `  timeout: -1s
  retrySchedule: [5s, 1h30m]`,
    }),
    problems: [/sources\[0\]\.pollInterval: invalid duration/, /sources\[0\]\.requestTimeout/, /delivery\.timeout/, /delivery\.retrySchedule\[1\]/],
  },
  {
    name: 'duplicate source ids',
    yaml: () => config('duplicates', {
      sources: `  - id: apten
    vendor: apten
    baseUrl: ${vendorUrl}/v1
    apiKey: \${CF_KEY}
  - id: apten
    vendor: apten
    baseUrl: ${vendorUrl}/v2
    apiKey: \${CF_KEY}`,
    }),
    problems: [/sources\[1\]\.id: duplicate id, already used by sources\[0\]/],
  },
  {
    name: 'an unknown vendor',
    yaml: () => config('unknown-vendor', {
      sources: `  - id: hubspot
    vendor: hubspot
    baseUrl: ${vendorUrl}
    apiKey: \${CF_KEY}`,
    }),
    problems: [/sources\[0\]\.vendor: must be one of/],
  },
  {
    name: 'a storage size cap that is not a size',
    yaml: () => config('bad-cap', { storage: `  path: ${join(dir, 'bad-cap', 'relay.db')}\n  maxSizeMb: 0.5` }),
    problems: [/storage\.maxSizeMb: must be at least 1/],
  },
  {
    name: 'several problems at once',
    yaml: () => config('several', {
      server: `  host: 127.0.0.1
  prot: 8080
  adminToken: \${CF_TOKEN}`,
      sources: `  - id: apten
    vendor: aptenn
    baseUrl: ${vendorUrl}/v1
    apiKey: \${CF_MISSING_KEY}
    pollInterval: soon
  - id: apten
    vendor: mega
    baseUrl: ${vendorUrl}
    apiKey: \${CF_KEY}`,
      delivery: `  timeout: 2 seconds`,
    }),
    problems: [
      /server: unknown key "prot"/,
      /sources\[0\]\.vendor: must be one of/,
      /sources\[0\]\.apiKey: environment variable CF_MISSING_KEY is not set/,
      /sources\[0\]\.pollInterval: invalid duration/,
      /sources\[1\]\.id: duplicate id/,
      /sources\[1\]\.customerId: required for vendor mega/,
      /delivery\.timeout: invalid duration/,
    ],
  },
];

describe.concurrent('a faulty config exits 1, names every problem, and starts nothing', () => {
  for (const c of cases) {
    for (const command of ['start', 'check-config'] as const) {
      it(`${c.name} (${command})`, async () => {
        const slug = `${c.name.replace(/\W+/g, '-')}-${command}`;
        const file = c.path ? c.path() : join(dir, `${slug}.yaml`);
        if (c.yaml) writeFileSync(file, c.yaml());
        const before = vendorRequests;
        const r = await run([command, '--config', file], c.env ?? ENV);

        expect(r.code).toBe(1);
        expect(r.stderr).toContain(file);
        for (const p of c.problems) expect(r.stderr).toMatch(p);
        // One line per problem, each "path: reason": nothing folded into one message.
        const listed = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
        expect(listed.length).toBeGreaterThanOrEqual(c.problems.length);
        // Nothing started: no log line (so no "listening"), no database, no vendor request.
        expect(r.stdout).toBe('');
        expect(vendorRequests).toBe(before);
        // Secret values never appear, even when the file around them is broken.
        expect(r.stderr).not.toContain(TOKEN);
        expect(r.stderr).not.toContain(KEY);
      });
    }
  }

});

describe('after all of them', () => {
  it('no faulty config created a database anywhere', () => {
    const dbs = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.db(-wal|-shm)?$/.test(f));
    expect(dbs).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a database from a newer leadrelay is refused and left untouched', () => {
  const newer: Array<{ name: string; make: (db: Database.Database) => void; version: number }> = [
    {
      name: 'a migration this code does not know',
      version: LATEST + 1,
      make: (db) => db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from-the-future', '2030-01-01T00:00:00.000Z')`).run(LATEST + 1),
    },
    { name: 'user_version above the latest migration', version: LATEST + 40, make: (db) => db.pragma(`user_version = ${LATEST + 40}`) },
  ];

  it.each(newer)('$name: exit 1 naming both versions, the file byte for byte the same', async ({ name, make, version }) => {
    const slug = name.replace(/\W+/g, '-');
    const dbPath = join(dir, `newer-${slug}`, 'relay.db');
    await openSqliteStore(dbPath).close();
    const db = new Database(dbPath);
    make(db);
    db.pragma('journal_mode = DELETE'); // one file, so "untouched" is one hash
    db.close();
    const hash = sha256(dbPath);
    const file = join(dir, `newer-${slug}.yaml`);
    writeFileSync(file, config(`newer-${slug}`, { storage: `  path: ${dbPath}` }));
    const before = vendorRequests;

    const r = await run(['start', '--config', file], ENV);

    expect(r.code).toBe(1);
    const fatal = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; err?: { code: string; message: string } })
      .find((l) => l.msg === 'leadrelay failed to start');
    expect(fatal?.err?.code).toBe('storage_too_new');
    expect(fatal?.err?.message).toContain(`schema version ${version}`);
    expect(fatal?.err?.message).toContain(`(${LATEST})`);
    expect(fatal?.err?.message).toContain(dbPath);
    expect(r.stdout).not.toContain('leadrelay listening');
    expect(vendorRequests).toBe(before);
    expect(sha256(dbPath)).toBe(hash);
    expect(readdirSync(join(dir, `newer-${slug}`))).toEqual(['relay.db']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a database written by the v1 relay migrates with its data intact, and webhooks flow', () => {
  // test/fixtures/schema-v1.sql: 6 leads, 7 events, ok-sub got the 6 creations, down-sub nothing yet.
  const SECRETS = { 'ok-sub': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'down-sub': 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' };

  it('migrates v1 -> latest, keeps leads, cursor, events and pending deliveries, then delivers and detects as before', async () => {
    const work = join(dir, 'v1');
    mkdirSync(work, { recursive: true });
    const dbPath = join(work, 'relay.db');
    const fixture = new Database(dbPath);
    fixture.exec(readFileSync(join(ROOT, 'test', 'fixtures', 'schema-v1.sql'), 'utf8'));
    const old = {
      version: (fixture.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v,
      source: fixture.prepare(`SELECT cursor, initial_sync_completed_at FROM sources WHERE id = 'apten'`).get() as { cursor: string; initial_sync_completed_at: string },
      leads: fixture.prepare(`SELECT lead_id, hash, lead, raw FROM leads ORDER BY lead_id`).all() as Array<{ lead_id: string; hash: string; lead: string; raw: string }>,
      events: fixture.prepare(`SELECT id, type, lead_id, body FROM events ORDER BY seq`).all() as Array<{ id: string; type: string; lead_id: string; body: string }>,
      pending: fixture.prepare(`SELECT d.subscription_id AS sub, e.id AS event FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.status = 'pending'`).all() as Array<{ sub: string; event: string }>,
      attempts: (fixture.prepare('SELECT count(*) AS n FROM delivery_attempts').get() as { n: number }).n,
    };
    fixture.close();
    expect(old.version).toBe(1);
    expect(old.leads).toHaveLength(6);
    expect(old.pending.length).toBeGreaterThanOrEqual(7);

    // The vendor still has the same leads (their raw records), so nothing of them is "new".
    const apten = new AptenSimulator({ apiKey: KEY });
    for (const l of old.leads) apten.createLead(JSON.parse(l.raw));
    const sim = await apten.listen();
    const okSub = await new TestSubscriber(SECRETS['ok-sub']).start();
    const downSub = await new TestSubscriber(SECRETS['down-sub']).start();
    const relay = new ChildRelay(work, {
      server: { host: '127.0.0.1', port: 0, adminToken: TOKEN },
      storage: { path: dbPath },
      sources: [{ id: 'apten', vendor: 'apten', baseUrl: sim.url, apiKey: KEY, pollInterval: '200ms' }],
      subscriptions: [
        { id: 'ok-sub', url: okSub.url, secret: SECRETS['ok-sub'] },
        { id: 'down-sub', url: downSub.url, secret: SECRETS['down-sub'] },
      ],
      delivery: { allowPrivateTargets: true, timeout: '2s', retrySchedule: ['100ms', '200ms', '400ms'] },
    });
    try {
      await relay.start();
      // Every delivery pending in v1 goes out, with the v1 event id and the exact v1 body.
      await waitFor(() => old.pending.every((p) => (p.sub === 'ok-sub' ? okSub : downSub).accepted.some((w) => w.id === p.event)), {
        timeoutMs: 15_000,
        what: 'the deliveries pending in v1',
      });
      for (const p of old.pending) {
        const got = (p.sub === 'ok-sub' ? okSub : downSub).accepted.find((w) => w.id === p.event)!;
        expect(got.raw).toBe(old.events.find((e) => e.id === p.event)!.body);
      }
      // The migrated snapshot is the baseline: re-listing the same leads invents nothing.
      const sources = await waitFor(
        async () => {
          const res = await request(`${relay.url}/v1/sources`, { headers: { authorization: `Bearer ${TOKEN}` } });
          const body = (await res.body.json()) as { data: Array<{ lastSync: { result: string }; leadCount: number; lastSuccessAt: string }> };
          const s = body.data[0]!;
          return s.lastSync.result === 'ok' && s.lastSuccessAt > old.source.initial_sync_completed_at ? s : null;
        },
        { what: 'a sync on the migrated database' },
      );
      expect(sources.leadCount).toBe(6);
      const oldIds = new Set(old.events.map((e) => e.id));
      expect(okSub.accepted.filter((w) => !oldIds.has(w.id))).toEqual([]);

      // New changes flow, and an update's `previous` is the lead exactly as v1 stored it.
      const changed = old.leads[0]!;
      apten.updateLead(changed.lead_id, { isQualified: true });
      const fresh = apten.createLead();
      const updated = await waitFor(() => okSub.accepted.find((w) => w.type === 'lead.updated' && !oldIds.has(w.id)), { what: 'lead.updated' });
      await waitFor(() => okSub.accepted.find((w) => w.type === 'lead.created' && w.body.data.lead.id === fresh.id), { what: 'lead.created' });
      expect(updated.body.data.lead.id).toBe(changed.lead_id);
      expect(updated.body.data.changes).toContain('raw.isQualified');
      expect(updated.body.data.previous).toEqual({ ...JSON.parse(changed.lead), raw: JSON.parse(changed.raw) });
      expect(await relay.terminate()).toBe(0);
    } finally {
      await relay.kill();
      await okSub.close();
      await downSub.close();
      await sim.close();
    }

    // Every migration recorded once, the header in step, nothing of v1 lost, the file sound.
    const db = new Database(dbPath, { readonly: true });
    try {
      const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version);
      expect(versions).toEqual(migrations.map((m) => m.version));
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const leads = db.prepare(`SELECT lead_id, hash FROM leads WHERE lead_id IN (${old.leads.map(() => '?').join(',')}) ORDER BY lead_id`).all(...old.leads.map((l) => l.lead_id)) as Array<{ lead_id: string; hash: string }>;
      expect(leads.filter((l) => l.lead_id !== old.leads[0]!.lead_id)).toEqual(old.leads.filter((l) => l !== old.leads[0]).map((l) => ({ lead_id: l.lead_id, hash: l.hash })));
      for (const e of old.events) {
        expect(db.prepare('SELECT type, lead_id, body FROM events WHERE id = ?').get(e.id)).toEqual({ type: e.type, lead_id: e.lead_id, body: e.body });
      }
      expect((db.prepare('SELECT count(*) AS n FROM delivery_attempts').get() as { n: number }).n).toBeGreaterThan(old.attempts);
      const source = db.prepare(`SELECT initial_sync_completed_at FROM sources WHERE id = 'apten'`).get() as { initial_sync_completed_at: string };
      expect(source.initial_sync_completed_at).toBe(old.source.initial_sync_completed_at);
    } finally {
      db.close();
    }
  });
});
