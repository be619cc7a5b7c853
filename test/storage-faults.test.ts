// Disk full and unwritable database (issue #8 item 6): sync and delivery stop cleanly with a clear
// error (log, GET /v1/sources, /metrics), never crash, and once there is room again every change
// detected before, during and after gets its webhook. Three real ways to run out of room:
// storage.maxSizeMb (SQLite's max_page_count; runs everywhere), a small tmpfs filled up (needs
// mount privileges), and an immutable WAL file (chattr +i; needs an ext4-like filesystem and
// CAP_LINUX_IMMUTABLE). The last two skip, saying why, where the machine cannot do them.
// Needs dist/ (the pretest script runs `npm run build`).
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/delivery/sign.js';
import { openSqliteStore } from '../src/store/index.js';
import { AptenSimulator, type AptenServerHandle } from '../src/vendors/apten/sim/index.js';
import { ChildRelay } from './helpers/child-relay.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 'storage-faults-admin-token-1f9';
const KEY = 'storage-faults-apten-key';
const root = mkdtempSync(join(tmpdir(), 'leadrelay-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What one scenario measured, for RELIABILITY.md. */
const figures: Record<string, unknown> = {};
afterAll(() => console.log(`storage faults: ${JSON.stringify(figures)}`));

interface Rig {
  dir: string;
  apten: AptenSimulator;
  sim: AptenServerHandle;
  sub: TestSubscriber;
  relay: ChildRelay;
  config: Record<string, any>;
}

async function rig(dir: string, storage: Record<string, unknown>): Promise<Rig> {
  const apten = new AptenSimulator({ apiKey: KEY });
  const sim = await apten.listen();
  const sub = await new TestSubscriber(generateSecret()).start();
  sub.respond = () => 503;
  const config = {
    server: { host: '127.0.0.1', port: 0, adminToken: TOKEN },
    storage,
    sources: [{ id: 'apten', vendor: 'apten', baseUrl: sim.url, apiKey: KEY, pollInterval: '150ms', initialSync: 'emit', pageSize: 100 }],
    subscriptions: [{ id: 'all', url: sub.url, secret: sub.secret }],
    // Retries keep going (no final failure, no open circuit) for as long as a test keeps the subscriber down.
    delivery: { allowPrivateTargets: true, timeout: '2s', retrySchedule: Array(100).fill('150ms'), circuitBreakerAfter: 10_000 },
  };
  mkdirSync(dir, { recursive: true });
  const relay = new ChildRelay(dir, config);
  return { dir, apten, sim, sub, relay, config };
}

async function api(relay: ChildRelay, path: string): Promise<any> {
  const res = await request(`${relay.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.body.json();
}

async function metrics(relay: ChildRelay): Promise<string> {
  return (await request(`${relay.url}/metrics`)).body.text();
}

/** Leads with long text fields, so the database grows by a few KB per lead. */
function addLeads(apten: AptenSimulator, n: number): void {
  for (let i = 0; i < n; i++) apten.createLead({ summary: 'x'.repeat(1500) + String(i), additionalInfo: { notes: 'y'.repeat(500) } } as never);
}

/**
 * Adds leads until the relay reports a storage error on GET /v1/sources, and returns that error.
 * The caller had the subscriber fail, so a retry backlog is waiting; it recovers once storage is
 * refused, and then the delivery worker must record outcomes it cannot write: it has to pause too.
 */
async function fillUntilRefused(r: Rig, code: RegExp, opts: { deliveryPauses: boolean }): Promise<{ code: string; message: string }> {
  const error = await refused(r, code);
  r.sub.respond = () => 204;
  if (!opts.deliveryPauses) return error;
  await waitFor(() => /"msg":"delivery paused/.test(r.relay.output), { timeoutMs: 15_000, what: 'delivery to pause on the storage error' }).catch((err) => {
    throw new Error(`${(err as Error).message}\nrelay output (delivery lines):\n${r.relay.output.split('\n').filter((l) => /delivery|storage/.test(l) && !/webhook delivered/.test(l)).slice(-15).join('\n')}`);
  });
  expect(r.relay.output).toMatch(new RegExp(`"code":"${error.code}"[^\\n]*"msg":"delivery paused`));
  return error;
}

async function refused(r: Rig, code: RegExp): Promise<{ code: string; message: string }> {
  let batches = 0;
  return waitFor(
    async () => {
      const s = (await api(r.relay, '/v1/sources')).data[0];
      if (s.lastError && code.test(s.lastError.code)) return s.lastError as { code: string; message: string };
      if (batches < 200 && !s.syncing) {
        addLeads(r.apten, 100);
        batches++;
      }
      return null;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `a ${code} error on GET /v1/sources` },
  );
}

/** Every lead the vendor has got exactly one lead.created event id (duplicates of it allowed), nothing invented. */
async function expectNothingLost(r: Rig): Promise<{ leads: number; webhooks: number; duplicates: number }> {
  const ids = r.apten.leads().map((l) => l.id);
  await waitFor(
    () => {
      const got = new Set(r.sub.accepted.filter((w) => w.type === 'lead.created').map((w) => w.body.data.lead.id));
      return ids.every((id) => got.has(id));
    },
    { timeoutMs: 40_000, intervalMs: 100, what: `a lead.created webhook for each of ${ids.length} leads` },
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\nrelay output (tail):\n${r.relay.output.slice(-3000)}`);
  });
  const created = r.sub.accepted.filter((w) => w.type === 'lead.created');
  const idsByLead = new Map<string, Set<string>>();
  for (const w of created) {
    const set = idsByLead.get(w.body.data.lead.id) ?? new Set<string>();
    set.add(w.id);
    idsByLead.set(w.body.data.lead.id, set);
  }
  // The same change always carries the same webhook-id: a change detected twice would show two.
  expect([...idsByLead.values()].filter((s) => s.size > 1)).toEqual([]);
  // Nothing invented: every lead a webhook names exists at the vendor, and no other event types.
  expect([...idsByLead.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  expect(r.sub.accepted.filter((w) => w.type !== 'lead.created')).toEqual([]);
  return { leads: ids.length, webhooks: created.length, duplicates: created.length - idsByLead.size };
}

/** Once the fault is gone: more vendor changes, everything delivered, a clean sync, all without a restart. */
async function expectRecoveredInPlace(r: Rig, dbPath: string): Promise<Awaited<ReturnType<typeof expectNothingLost>>> {
  addLeads(r.apten, 10);
  const result = await expectNothingLost(r);
  await waitFor(async () => (await api(r.relay, '/v1/sources')).data[0].lastSync.result === 'ok', { what: 'a clean sync' });
  expect(r.relay.proc?.exitCode).toBeNull();
  expect(await r.relay.terminate()).toBe(0);
  expectSound(dbPath);
  return result;
}

function expectSound(dbPath: string): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
}

/** How often sync failed on storage and whether delivery paused too, from the relay's own log. */
function pauses(r: Rig): { syncFailures: number; deliveryPaused: number } {
  return {
    syncFailures: (r.relay.output.match(/"code":"storage_[a-z_]+"[^\n]*"msg":"sync failed/g) ?? []).length,
    deliveryPaused: (r.relay.output.match(/"msg":"delivery paused/g) ?? []).length,
  };
}

async function close(r: Rig): Promise<void> {
  await r.relay.kill();
  await r.sub.close();
  await r.sim.close();
}

describe('storage.maxSizeMb: the database reaches its cap (runs everywhere)', () => {
  it('sync stops with storage_full, the relay stays up, and after the cap is raised nothing is lost', async () => {
    const dir = join(root, 'cap');
    const dbPath = join(dir, 'relay.db');
    const r = await rig(dir, { path: dbPath, maxSizeMb: 1 });
    try {
      addLeads(r.apten, 20);
      await r.relay.start();
      const before = r.apten.leads().length;
      // Under the cap only new pages are refused: delivery's small writes often still fit, so it may go on.
      const error = await fillUntilRefused(r, /^storage_full$/, { deliveryPauses: false });
      expect(error.message).toMatch(/full/);
      expect(error.message).toContain('storage.maxSizeMb');

      // Still up and serving; the failure is counted and logged, and later polls fail the same way
      // instead of crashing or skipping the page that did not fit.
      expect((await request(`${r.relay.url}/healthz`)).statusCode).toBe(200);
      await waitFor(async () => /leadrelay_storage_errors_total\{component="sync",code="storage_full"\} [1-9]/.test(await metrics(r.relay)), {
        what: 'the storage error metric',
      });
      expect(await metrics(r.relay)).toMatch(/leadrelay_sync_errors_total\{source="apten",vendor="apten",code="storage_full"\} [1-9]/);
      expect(r.relay.output).toMatch(/"msg":"sync failed"/);
      expect(r.relay.output).not.toMatch(/sync run crashed|"level":60/);
      const stuck = (await api(r.relay, '/v1/sources')).data[0];
      // Changes made while full wait at the vendor: the cursor did not move past them.
      addLeads(r.apten, 30);

      // The operator raises the cap and restarts; shutdown with a full database still exits 0.
      expect(await r.relay.terminate()).toBe(0);
      writeFileSync(r.relay.configPath, stringify({ ...r.config, storage: { path: dbPath, maxSizeMb: 256 } }));
      await r.relay.start();
      addLeads(r.apten, 10);
      const result = await expectNothingLost(r);
      const after = (await api(r.relay, '/v1/sources')).data[0];
      expect(after.lastError).toBeNull();
      expect(after.leadCount).toBe(r.apten.leads().length);
      expect(after.leadCount).toBeGreaterThan(stuck.leadCount);
      expect(await r.relay.terminate()).toBe(0);
      expectSound(dbPath);
      figures.maxSizeMb = { ...result, leadsBeforeFull: before, leadsStoredWhenFull: stuck.leadCount, ...pauses(r) };
    } finally {
      await close(r);
    }
  });
});

function canMountTmpfs(): string | null {
  const probe = mkdtempSync(join(root, 'probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}); needs root with CAP_SYS_ADMIN`;
  }
}

const noTmpfs = process.platform === 'linux' ? canMountTmpfs() : 'not Linux';
if (noTmpfs) console.log(`storage-faults: skipping the tmpfs disk-full test: ${noTmpfs}`);

describe.skipIf(noTmpfs !== null)('a real disk fills up (a small tmpfs)', () => {
  it('sync and delivery pause with storage_full and resume by themselves once space returns, losing nothing', async () => {
    const dir = join(root, 'tmpfs');
    const mnt = join(dir, 'disk');
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    const dbPath = join(mnt, 'relay.db');
    const r = await rig(dir, { path: dbPath });
    const filler = join(mnt, 'filler');
    try {
      addLeads(r.apten, 50);
      await r.relay.start();
      await waitFor(() => new Set(r.sub.received.map((w) => w.id)).size >= 50, { what: 'attempts at the first 50 webhooks' });
      // Fill the disk to the last byte.
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let filled = 0;
      try {
        for (;;) filled += writeSync(fd, chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const error = await fillUntilRefused(r, /^storage_full$/, { deliveryPauses: true });
      expect(error.message).toMatch(/full/);
      expect((await request(`${r.relay.url}/healthz`)).statusCode).toBe(200);
      expect(r.relay.output).not.toMatch(/sync run crashed|"level":60/);
      addLeads(r.apten, 20);

      // Space returns: no restart, the relay carries on by itself.
      unlinkSync(filler);
      const result = await expectRecoveredInPlace(r, dbPath);
      figures.tmpfs = { ...result, fillerMb: Math.round(filled / 1048576), ...pauses(r) };
    } finally {
      await close(r);
      try {
        execFileSync('umount', ['-l', mnt]);
      } catch {
        // already gone
      }
    }
  });
});

/** Whether an immutable flag here stops writes through a file descriptor opened before it was set. */
function immutableBlocksOpenFiles(): string | null {
  const probe = join(root, 'immutable-probe');
  writeFileSync(probe, 'x');
  const fd = openSync(probe, 'a');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'pipe' });
  } catch (err) {
    closeSync(fd);
    return `chattr +i failed (${String((err as Error).message).split('\n')[0]}); needs CAP_LINUX_IMMUTABLE and a filesystem with the flag`;
  }
  try {
    writeSync(fd, 'y');
    return 'this filesystem lets an open file be written after chattr +i (tmpfs does)';
  } catch {
    return null;
  } finally {
    closeSync(fd);
    execFileSync('chattr', ['-i', probe]);
  }
}

const noImmutable = process.platform === 'linux' ? immutableBlocksOpenFiles() : 'not Linux';
if (noImmutable) console.log(`storage-faults: skipping the read-only (immutable WAL) test: ${noImmutable}`);

describe.skipIf(noImmutable !== null)('the database turns unwritable while running (chattr +i on its files)', () => {
  it('sync and delivery pause with a storage error and resume once writable again, losing nothing', async () => {
    const dir = join(root, 'immutable');
    const dbPath = join(dir, 'relay.db');
    const r = await rig(dir, { path: dbPath });
    const files = [dbPath, `${dbPath}-wal`];
    try {
      addLeads(r.apten, 50);
      await r.relay.start();
      await waitFor(() => new Set(r.sub.received.map((w) => w.id)).size >= 50, { what: 'attempts at the first 50 webhooks' });
      execFileSync('chattr', ['+i', ...files]);
      const error = await fillUntilRefused(r, /^storage_(io_error|read_only)$/, { deliveryPauses: true });
      expect(error.message).toMatch(/disk|read-only/);
      expect((await request(`${r.relay.url}/healthz`)).statusCode).toBe(200);
      expect(await metrics(r.relay)).toMatch(/leadrelay_storage_errors_total\{component="sync",code="storage_(io_error|read_only)"\} [1-9]/);
      expect(r.relay.output).not.toMatch(/sync run crashed|"level":60/);
      addLeads(r.apten, 20);

      execFileSync('chattr', ['-i', ...files]);
      const result = await expectRecoveredInPlace(r, dbPath);
      figures.immutable = { ...result, errorCode: error.code, ...pauses(r) };
    } finally {
      try {
        execFileSync('chattr', ['-i', ...files], { stdio: 'pipe' });
      } catch {
        // not set, or already removed
      }
      await close(r);
    }
  });

  it('a database that is unwritable when the relay starts: exit 1 naming the problem, the file untouched', async () => {
    const dir = join(root, 'immutable-at-start');
    const dbPath = join(dir, 'relay.db');
    const r = await rig(dir, { path: dbPath });
    try {
      await r.relay.start(); // creates the database; a clean stop checkpoints it and removes the WAL
      expect(await r.relay.terminate()).toBe(0);
      const before = createHash('sha256').update(readFileSync(dbPath)).digest('hex');
      execFileSync('chattr', ['+i', dbPath]);
      const from = r.relay.output.length;
      try {
        await expect(r.relay.start()).rejects.toThrow(/exited early/);
        expect(r.relay.proc?.exitCode).toBe(1);
        const output = r.relay.output.slice(from);
        expect(output).toMatch(/storage_read_only|read-only/);
        expect(output).not.toMatch(/leadrelay listening/);
      } finally {
        execFileSync('chattr', ['-i', dbPath]);
      }
      expect(createHash('sha256').update(readFileSync(dbPath)).digest('hex')).toBe(before);
      expect(r.sub.received).toHaveLength(0);
    } finally {
      await close(r);
    }
  });
});

describe('the database holds signing secrets, header credentials and lead PII: only its owner may read it', () => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  const files = (path: string) => [path, `${path}-wal`, `${path}-shm`];

  it('creates missing directories 0700 and the database, -wal and -shm 0600, whatever the umask, also the WAL of a later start', async () => {
    const before = process.umask(0); // nothing masked: the modes are leadrelay's own
    try {
      const top = join(root, 'private');
      const path = join(top, 'nested', 'relay.db');
      let store = openSqliteStore(path, { backgroundCheckpoints: true });
      await store.sources.register([{ id: 'apten', vendor: 'apten' }], Date.now());
      expect(mode(top).toString(8)).toBe('700');
      expect(mode(join(top, 'nested')).toString(8)).toBe('700');
      for (const f of files(path)) expect(mode(f).toString(8), f).toBe('600');
      await store.close();
      // The last connection's close removes the WAL: SQLite makes new ones at the next start.
      expect(existsSync(`${path}-wal`)).toBe(false);
      store = openSqliteStore(path);
      await store.sources.register([{ id: 'mega', vendor: 'mega' }], Date.now());
      for (const f of files(path)) expect(mode(f).toString(8), f).toBe('600');
      await store.close();
    } finally {
      process.umask(before);
    }
  });

  it('makes an existing database 0600 at start (with its -wal and -shm), and leaves an existing directory as it is', async () => {
    const dir = join(root, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const path = join(dir, 'relay.db');
    await openSqliteStore(path).close();
    // As an older leadrelay left it; a second connection keeps -wal and -shm in place.
    const other = new Database(path);
    other.prepare('SELECT count(*) FROM schema_migrations').get();
    for (const f of files(path)) chmodSync(f, 0o644);
    const store = openSqliteStore(path);
    for (const f of files(path)) expect(mode(f).toString(8), f).toBe('600');
    expect(mode(dir).toString(8)).toBe('755');
    await store.close();
    other.close();
  });
});
