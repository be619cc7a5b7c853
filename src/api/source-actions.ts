// What the admin API and the dashboard both show of the sources and both do to them: one listing
// (GET /v1/sources, the dashboard's overview), one "sync now" and one "release held deletes".
import type { RelayControl } from './control.js';
import type { RunResult } from '../sync/engine.js';
import { ApiError, notFound } from './errors.js';
import { iso } from './present.js';

/** Every configured source as GET /v1/sources shows it, in config order. */
export async function listSources(relay: RelayControl) {
  const [list, leaseList] = await Promise.all([relay.store.sources.list(), relay.store.leases.list()]);
  const rows = new Map(list.map((r) => [r.id, r]));
  const now = relay.clock.now();
  const leases = new Map(leaseList.filter((l) => l.owner !== null && l.expiresAt !== null && l.expiresAt > now).map((l) => [l.sourceId, l]));
  return relay.sources.map((s) => {
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
}

export type SourceListing = Awaited<ReturnType<typeof listSources>>[number];

/**
 * A poll asked for now: run here when this replica polls the source (`run`), else recorded for the
 * replica that does (`requestedAt`, relay clock). Unknown source: 404; disabled: 409 source_disabled.
 */
export async function beginSync(relay: RelayControl, id: string): Promise<{ run: Promise<RunResult> } | { requestedAt: number }> {
  const source = relay.sources.find((s) => s.id === id);
  if (!source) throw notFound('source', id);
  if (source.enabled && !relay.pollsHere(id)) {
    const requestedAt = relay.clock.now();
    await relay.store.sources.requestSync(id, requestedAt);
    return { requestedAt };
  }
  const run = relay.syncNow(id);
  if (!run) throw new ApiError(409, 'source_disabled', `source "${id}" is disabled in the config`);
  return { run };
}

/** Sends the deletes the mass-delete guard held (warning deletes_held); returns how many. */
export async function releaseHeldDeletes(relay: RelayControl, id: string): Promise<number> {
  if (!relay.sources.some((s) => s.id === id)) throw notFound('source', id);
  const release = relay.releaseHeldDeletes(id);
  if (release === undefined) throw new ApiError(409, 'source_disabled', `source "${id}" is disabled in the config`);
  return release;
}
