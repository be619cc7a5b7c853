// GET /v1/sources and POST /v1/sources/:id/sync.
import { Hono, type Context } from 'hono';
import { emptyRunStats, type RunStats } from '../../sync/engine.js';
import { sleep } from '../../util/time.js';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import { ApiError, notFound } from '../errors.js';
import { parseQuery } from '../validate.js';
import { iso } from '../present.js';

export const syncQuerySchema = z.strictObject({ wait: z.enum(['true', 'false']).optional() });

export function sourceRoutes(relay: RelayControl) {
  const app = new Hono();

  app.get('/', async (c) => {
    const [list, leaseList] = await Promise.all([relay.store.sources.list(), relay.store.leases.list()]);
    const rows = new Map(list.map((r) => [r.id, r]));
    const now = relay.clock.now();
    const leases = new Map(leaseList.filter((l) => l.owner !== null && l.expiresAt !== null && l.expiresAt > now).map((l) => [l.sourceId, l]));
    const data = relay.sources.map((s) => {
      const r = rows.get(s.id);
      // A failure the database could not record is newer than the row, and is what the operator needs to see.
      const unsaved = relay.unsavedSyncOutcome?.(s.id) ?? null;
      return {
        id: s.id,
        vendor: s.vendor,
        enabled: s.enabled,
        pollInterval: s.pollInterval,
        initialSync: s.initialSync,
        // Here, or on the replica that polls it (its row says running while its lease lives).
        syncing: relay.isSyncing(s.id) || (r?.lastSyncResult === 'running' && leases.has(s.id)),
        progress: relay.syncProgress(s.id),
        initialSyncCompletedAt: r?.initialSyncCompletedAt ?? null,
        lastSync: {
          startedAt: r?.lastSyncStartedAt ?? null,
          finishedAt: unsaved?.finishedAt ?? r?.lastSyncFinishedAt ?? null,
          result: unsaved ? 'error' : (r?.lastSyncResult ?? null),
          stats: r?.lastStats ?? null,
        },
        lastSuccessAt: r?.lastSuccessAt ?? null,
        lastError: unsaved?.error ?? r?.lastError ?? null,
        cursor: r?.cursor ?? null,
        leadCount: r?.leadCount ?? 0,
        deletedLeadCount: r?.deletedLeadCount ?? 0,
        lastCompleteScanAt: r?.lastCompleteScanAt ?? null,
        heldDeletes: r?.heldDeletes ?? 0,
        warning: r?.warning ?? null,
        owner: leases.get(s.id)?.owner ?? null,
        leaseExpiresAt: iso(leases.get(s.id)?.expiresAt ?? null),
      };
    });
    return c.json({ data });
  });

  // 202 at once; ?wait=true answers 200 with the run's result once it finished (handy in scripts).
  app.post('/:id/sync', async (c) => {
    const id = c.req.param('id');
    const { wait } = parseQuery(c, syncQuerySchema);
    const source = relay.sources.find((s) => s.id === id);
    if (!source) throw notFound('source', id);
    if (source.enabled && !relay.pollsHere(id)) return syncElsewhere(c, relay, id, wait === 'true');
    const run = relay.syncNow(id);
    if (!run) throw new ApiError(409, 'source_disabled', `source "${id}" is disabled in the config`);
    if (wait !== 'true') {
      run.catch(() => {});
      return c.json({ source: id, status: 'accepted' }, 202);
    }
    const result = await run;
    return c.json({ source: id, status: result.ok ? 'ok' : 'error', stats: result.stats, error: result.error ?? null });
  });

  // The mass-delete guard held deletes (warning deletes_held): the operator confirms they are real.
  app.post('/:id/release-deletes', async (c) => {
    const id = c.req.param('id');
    if (!relay.sources.some((s) => s.id === id)) throw notFound('source', id);
    const release = relay.releaseHeldDeletes(id);
    if (release === undefined) throw new ApiError(409, 'source_disabled', `source "${id}" is disabled in the config`);
    return c.json({ source: id, deleted: await release });
  });

  return app;
}

/** How long ?wait=true waits for another replica's run before answering 202 instead. */
const WAIT_ELSEWHERE_MS = 5 * 60_000;

/**
 * Another replica polls the source (or none does right now): ask for the poll through the store;
 * with wait, answer once a run that started after the request has finished, from its record.
 */
async function syncElsewhere(c: Context, relay: RelayControl, id: string, wait: boolean) {
  const requestedAt = relay.clock.now();
  await relay.store.sources.requestSync(id, requestedAt);
  const accepted = () => c.json({ source: id, status: 'accepted' as const }, 202);
  if (!wait) return accepted();
  const deadline = Date.now() + WAIT_ELSEWHERE_MS;
  while (Date.now() < deadline) {
    await sleep(200, c.req.raw.signal);
    if (c.req.raw.signal.aborted) break;
    const r = await relay.store.sources.get(id);
    const started = r?.lastSyncStartedAt ? Date.parse(r.lastSyncStartedAt) : NaN;
    const finished = r?.lastSyncFinishedAt ? Date.parse(r.lastSyncFinishedAt) : NaN;
    if (!r || !(started >= requestedAt) || !(finished >= started) || (r.lastSyncResult !== 'ok' && r.lastSyncResult !== 'error')) continue;
    return c.json({ source: id, status: r.lastSyncResult, stats: (r.lastStats ?? emptyRunStats()) as RunStats, error: r.lastError });
  }
  return accepted();
}

/** GET /v1/replicas: the processes sharing the database (a heartbeat within the lease TTL) and what each polls. */
export function replicaRoutes(relay: RelayControl) {
  const app = new Hono();
  app.get('/', async (c) => {
    const now = relay.clock.now();
    const [replicas, leases] = await Promise.all([relay.store.replicas.list(now - relay.leaseTtlMs), relay.store.leases.list()]);
    const polls = (id: string) => leases.filter((l) => l.owner === id && l.expiresAt !== null && l.expiresAt > now).map((l) => l.sourceId);
    return c.json({
      data: replicas.map((r) => ({ id: r.id, version: r.version, startedAt: iso(r.startedAt)!, lastSeenAt: iso(r.lastSeenAt)!, sources: polls(r.id) })),
    });
  });
  return app;
}
