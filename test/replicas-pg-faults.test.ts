// PostgreSQL faults under load with 3 replicas (issue #13 item 7): the server restarted (stopped,
// so connections are refused, then started again on the same port) and tables locked past
// storage.statementTimeout, while the replicas sync and deliver. Every replica stays up, says why it
// paused (its log, /metrics, the admin API's error), resumes by itself, and nothing is lost (judged
// against the simulators' change logs as in test/crash.test.ts). A server of its own: this file
// stops it. LEADRELAY_RELIABILITY_OUT gets the figures under "replicasPgFaults".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgServer } from './helpers/pg-server.js';
import { parseCounter, ReplicaCluster } from './helpers/replica-cluster.js';
import { writeReliability } from './helpers/reliability-out.js';
import { sleep, waitFor } from './helpers/wait.js';

const LEASE_TTL_MS = 2000;
const POLL_MS = 400;
// Longer than the lease: every lease lapses while the database is away.
const OUTAGE_MS = LEASE_TTL_MS + 1500;

const dir = mkdtempSync(join(tmpdir(), 'leadrelay-replicas-pg-'));
const figures: Record<string, unknown> = {};
let server: PgServer;
let c: ReplicaCluster;
let pids: Array<number | undefined> = [];

beforeAll(async () => {
  server = await PgServer.start();
  const admin = new pg.Client(server.url());
  await admin.connect();
  await admin.query('CREATE DATABASE relay');
  await admin.end();
  c = new ReplicaCluster({
    dir, storageUrl: server.url('relay'), replicas: 3, aptenSources: 2, nexusSources: 2,
    leaseTtlMs: LEASE_TTL_MS, pollIntervalMs: POLL_MS, seed: 7, statementTimeout: '1s',
  });
  await c.start();
  pids = c.relays.map((r) => r.proc?.pid);
}, 90_000);
afterAll(async () => {
  await c?.close();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
  writeReliability('replicasPgFaults', figures);
});

/** Storage errors a replica counted on /metrics, by code. */
async function storageErrors(replicaId: string): Promise<Map<string, number>> {
  const { status, text } = await c.metricsText(replicaId);
  expect(status, `GET /metrics on ${replicaId}`).toBe(200);
  return parseCounter(text, 'leadrelay_storage_errors_total', 'code');
}

/** Under load: vendor changes flowing and webhooks being delivered. */
async function underLoad(): Promise<void> {
  c.startActivity(150);
  const before = c.sub.accepted.length;
  await waitFor(() => c.sub.accepted.length > before + 20, { timeoutMs: 30_000, what: 'webhooks flowing' });
}

/** Until every source had a successful run that started after `t`; resolves with when that was seen. */
async function allSyncedSince(t: number): Promise<number> {
  await waitFor(
    async () => {
      const rows = await c.sql<{ last_sync_started_at: string | null; last_sync_result: string | null }>('SELECT last_sync_started_at, last_sync_result FROM sources');
      return rows.every((r) => r.last_sync_result === 'ok' && r.last_sync_started_at !== null && Date.parse(r.last_sync_started_at) > t);
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'every source synced again' },
  );
  return Date.now();
}

describe('PostgreSQL faults under load, 3 replicas', () => {
  it('restarted: every replica pauses with storage_unavailable, stays up, and resumes by itself', async () => {
    await c.waitForSpread();
    await underLoad();
    const logFrom = c.relays.map((r) => r.output.length);
    await server.stop();
    const downAt = Date.now();
    // While it is down: the admin API says why instead of an internal error; /healthz stays 200 (documented).
    for (const id of c.ids) {
      const res = await c.api('/v1/sources', id);
      expect(res.status, `GET /v1/sources on ${id}`).toBe(503);
      expect(res.body.error.code).toBe('storage_unavailable');
      expect((await c.api('/healthz', id)).status).toBe(200);
    }
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    for (const r of c.relays) expect(r.running, 'replica still running during the outage').toBe(true);
    await server.resume();
    const upAt = Date.now();
    const syncedAt = await allSyncedSince(upAt);
    await c.waitForSpread();
    const before = c.sub.accepted.length;
    await waitFor(() => c.sub.accepted.length > before, { timeoutMs: 30_000, what: 'webhooks flowing again' });
    for (const [i, id] of c.ids.entries()) {
      const log = c.relays[i]!.output.slice(logFrom[i]);
      // Each replica said why it paused, and that it resumed.
      expect(log, id).toMatch(/"code":"storage_unavailable"/);
      expect(log, id).toContain('delivery paused');
      expect(log, id).toContain('delivery resumed');
      expect((await storageErrors(id)).get('storage_unavailable') ?? 0, id).toBeGreaterThan(0);
    }
    // Nobody crashed or restarted: the same processes all along.
    expect(c.relays.map((r) => (r.running ? r.proc?.pid : undefined))).toEqual(pids);
    figures.restart = { outageMs: upAt - downAt, resyncedAfterMs: syncedAt - upAt };
    console.log(`replicas, PostgreSQL restart: down ${upAt - downAt} ms, every source synced again ${syncedAt - upAt} ms after it was back`);
  }, 120_000);

  it('tables locked past storage.statementTimeout: storage_timeout, then it resumes by itself', async () => {
    await underLoad();
    const logFrom = c.relays.map((r) => r.output.length);
    const lock = new pg.Client(server.url('relay'));
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE sources, deliveries, events IN ACCESS EXCLUSIVE MODE');
    const lockedAt = Date.now();
    // Every statement on those tables now waits, and the server cancels it after 1 s (statementTimeout).
    await waitFor(() => c.relays.every((r, i) => r.output.slice(logFrom[i]).includes('"code":"storage_timeout"')), {
      timeoutMs: 20_000,
      what: 'every replica to report storage_timeout',
    });
    await lock.query('ROLLBACK');
    await lock.end();
    const unlockedAt = Date.now();
    const syncedAt = await allSyncedSince(unlockedAt);
    for (const id of c.ids) expect((await storageErrors(id)).get('storage_timeout') ?? 0, id).toBeGreaterThan(0);
    expect(c.relays.map((r) => (r.running ? r.proc?.pid : undefined))).toEqual(pids);
    figures.statementTimeout = { lockedMs: unlockedAt - lockedAt, resyncedAfterMs: syncedAt - unlockedAt };
    console.log(`replicas, tables locked ${unlockedAt - lockedAt} ms: every source synced again ${syncedAt - unlockedAt} ms after`);
  }, 120_000);

  it('converges after both: every change delivered, nothing invented, the same change always the same webhook-id', async () => {
    const outcome = await c.converge(90_000);
    const result = c.judge();
    const summary = {
      webhooksAccepted: result.webhooks,
      duplicates: result.duplicates,
      byType: result.byType,
      lost: result.lost.length,
      invented: result.invented.length,
      unstableIds: result.unstable.length,
      misordered: result.misordered.length,
      failedDeliveries: outcome.failed,
      vendorChanges: c.sources.reduce((n, s) => n + s.sim.changes.length, 0),
    };
    Object.assign(figures, summary);
    console.log(`replicas, PostgreSQL faults: ${JSON.stringify(summary)}`);
    expect(result.unstable).toEqual([]);
    expect(result.misordered).toEqual([]);
    expect(result.invented).toEqual([]);
    expect(result.lost).toEqual([]);
    expect(outcome.undelivered).toBe(0);
    expect(outcome.failed).toBe(0);
    expect(result.unique).toBeGreaterThan(100);
    expect(c.relays.map((r) => (r.running ? r.proc?.pid : undefined))).toEqual(pids);
  }, 120_000);
});
