// One sync run of one source: pull pages from its adapter, diff each against the snapshot, commit
// snapshot + outbox + cursor per page in one transaction, and record the run's outcome.
import type { Logger } from 'pino';
import type { VendorName } from '../model.js';
import type { Fence, SourceRow, Store, StoredLead } from '../store/index.js';
import type { KnownLead, PulledPage, ScanEnd, VendorAdapter } from '../vendors/types.js';
import type { VendorHttp } from '../vendors/http.js';
import type { Clock } from '../util/time.js';
import { RelayError } from '../util/errors.js';
import { LeaseLostError, storageErrorOf } from '../store/errors.js';

type SyncStartRow = Pick<SourceRow, 'cursor' | 'initialSyncCompletedAt'>;
import { buildPageWrite, emptySummary, type PageSummary } from './page.js';
import { decideMissing, MISSED_SCANS_TO_DELETE } from './absence.js';

export interface SyncSourceConfig {
  id: string;
  vendor: VendorName;
  initialSync: 'baseline' | 'emit';
  /** Largest share of live leads one complete scan may delete before deletes are held. */
  maxDeleteShare: number;
}

export interface RunStats extends PageSummary {
  pages: number;
  /** Full scans only: was the listing complete, and what became of the leads it missed. */
  fullScan: boolean;
  scanComplete: boolean | null;
  missingDeleted: number;
  deletesHeld: number;
  leadsSeen: number;
  skippedRecords: number;
  requests: number;
  durationMs: number;
}

export function emptyRunStats(): RunStats {
  return {
    ...emptySummary(),
    pages: 0,
    fullScan: false,
    scanComplete: null,
    missingDeleted: 0,
    deletesHeld: 0,
    leadsSeen: 0,
    skippedRecords: 0,
    requests: 0,
    durationMs: 0,
  };
}

export interface SyncProgress {
  startedAt: string;
  runningMs: number;
  pages: number;
  leadsSeen: number;
  eventsEmitted: number;
  leadsPerSecond: number;
}

/** How often a run in progress logs how far it got. */
const PROGRESS_LOG_EVERY_MS = 10_000;

export interface RunResult {
  ok: boolean;
  stats: RunStats;
  error?: { code: string; message: string };
  /** Nothing ran here: another replica holds the source's lease. */
  polledElsewhere?: boolean;
}

export interface SyncDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Called after a page committed new outbox events, so delivery can start at once. */
  onEvents(): void;
  /** Told about every finished run and every committed batch of events (src/metrics.ts). */
  metrics?: SyncMetrics;
}

/** The engine's instrumentation hooks; the engine itself knows nothing of Prometheus. */
export interface SyncMetrics {
  runFinished(sourceId: string, vendor: VendorName, result: RunResult): void;
  eventsEmitted(sourceId: string, vendor: VendorName, events: ReadonlyArray<{ type: string }>): void;
  /** The database refused a write (full, read-only, I/O error). */
  storageFailed?(component: 'sync' | 'delivery', code: string): void;
}

/** A run's outcome that the database could not record (it was full or read-only at the time). */
export interface UnsavedOutcome {
  finishedAt: string;
  error: { code: string; message: string };
}

export class SourceSync {
  constructor(
    private readonly source: SyncSourceConfig,
    private readonly adapter: VendorAdapter,
    private readonly http: VendorHttp,
    private readonly deps: SyncDeps,
  ) {}

  /**
   * One run. `spareTime` marks the end of change detection and bounds the optional work after it
   * (PullContext.spareTime); without a poll loop to ask, optional work runs until done or `signal`.
   */
  async run(signal: AbortSignal, spareTime: () => AbortSignal = () => signal, fence: Fence | null = null): Promise<RunResult> {
    const { store, clock, logger } = this.deps;
    const started = clock.now();
    const requestsBefore = this.http.requestCount;
    const stats = emptyRunStats();
    let row: SyncStartRow | undefined;
    try {
      row = await store.sources.syncStart(this.source.id);
      if (row) await store.sources.markStarted(this.source.id, new Date(started).toISOString(), fence);
    } catch (err) {
      // Another replica took the source over and this one's heartbeat has not noticed yet: nothing
      // was written, the heartbeat hands the source over; not a crash (it logged one per poll).
      if (err instanceof LeaseLostError) {
        logger.warn({ source: this.source.id, err: { code: err.code, message: err.message } }, 'sync not run: another replica polls this source now');
        return { ok: false, stats, error: { code: err.code, message: err.message } };
      }
      // An unwritable database fails the run before any vendor request: nothing to roll back.
      const storage = storageErrorOf(err, 'sync run not started');
      if (!storage) throw err;
      const error = { code: storage.code, message: storage.message };
      this.deps.metrics?.storageFailed?.('sync', error.code);
      this.failedUnsaved(error, started, stats);
      const result: RunResult = { ok: false, stats, error };
      this.deps.metrics?.runFinished(this.source.id, this.source.vendor, result);
      return result;
    }
    if (!row) throw new Error(`source ${this.source.id} is not registered`);
    this.live = { startedAt: started, stats };
    // A long run (a first sync of a big account) reports how far it got, in the log and on GET /v1/sources.
    const progressTimer = setInterval(() => {
      const p = this.progress();
      if (p) logger.info({ source: this.source.id, progress: p }, 'sync progress');
    }, PROGRESS_LOG_EVERY_MS);
    progressTimer.unref();
    try {
      const result = await this.runPages(signal, spareTime, row, started, requestsBefore, stats, fence);
      this.deps.metrics?.runFinished(this.source.id, this.source.vendor, result);
      return result;
    } finally {
      clearInterval(progressTimer);
      this.live = null;
    }
  }

  /** How the run in progress is doing; null when no run is in progress. */
  progress(): SyncProgress | null {
    if (!this.live) return null;
    const { startedAt, stats } = this.live;
    const runningMs = Math.max(1, this.deps.clock.now() - startedAt);
    return {
      startedAt: new Date(startedAt).toISOString(),
      runningMs,
      pages: stats.pages,
      leadsSeen: stats.leadsSeen,
      eventsEmitted: stats.eventsEmitted,
      leadsPerSecond: Math.round((stats.leadsSeen / runningMs) * 1000 * 10) / 10,
    };
  }

  private live: { startedAt: number; stats: RunStats } | null = null;
  private unsaved: UnsavedOutcome | null = null;
  /**
   * A run in this process listed everything: later runs emit even if recording that (markSucceeded)
   * failed, or changes made after a baseline would be taken in silently on the next run.
   */
  private completedOnce = false;

  /** The last run's failure when the database could not record it; null once a later outcome was recorded. */
  unsavedOutcome(): UnsavedOutcome | null {
    return this.unsaved;
  }

  /** Records a failed run's outcome, or keeps it in memory (and in the log) when the database refuses. */
  private async recordFailure(error: { code: string; message: string }, at: number, stats: RunStats, fence: Fence | null): Promise<void> {
    try {
      await this.deps.store.sources.markFailed(this.source.id, new Date(at).toISOString(), error, { ...stats }, fence);
      this.unsaved = null;
    } catch (err) {
      // Another replica owns the source now: its runs record their own outcomes.
      if (err instanceof LeaseLostError) return;
      if (!storageErrorOf(err)) throw err;
      this.failedUnsaved(error, at, stats);
    }
  }

  private failedUnsaved(error: { code: string; message: string }, at: number, stats: RunStats): void {
    this.unsaved = { finishedAt: new Date(at).toISOString(), error };
    this.deps.logger.error({ source: this.source.id, err: error, stats }, 'sync failed; the database could not record it');
  }

  private async runPages(
    signal: AbortSignal,
    spareTime: () => AbortSignal,
    row: SyncStartRow,
    started: number,
    requestsBefore: number,
    stats: RunStats,
    fence: Fence | null,
  ): Promise<RunResult> {
    const { store, clock, logger } = this.deps;
    const emit = this.source.initialSync === 'emit' || row.initialSyncCompletedAt !== null || this.completedOnce;

    let scan: number | null = null;
    // Leads looked up by the adapter for the current page, reused by the diff (one query per page).
    let pageKnown = new Map<string, StoredLead>();
    const known = async (ids: readonly string[]): Promise<Map<string, KnownLead>> => {
      const missing = ids.filter((id) => !pageKnown.has(id));
      if (missing.length > 0) for (const [id, lead] of await store.snapshot.getLeads(this.source.id, missing)) pageKnown.set(id, lead);
      const out = new Map<string, KnownLead>();
      for (const id of ids) {
        const l = pageKnown.get(id);
        if (l) out.set(id, { raw: l.lead.raw, deleted: l.deleted, state: l.state });
      }
      return out;
    };

    try {
      for await (const page of this.adapter.pull({
        sourceId: this.source.id,
        cursor: row.cursor,
        http: this.http,
        signal,
        known,
        spareTime,
      })) {
        if (page.fullScan && scan === null) {
          scan = await store.snapshot.beginScan(this.source.id, fence);
          stats.fullScan = true;
        }
        await this.commitPage(page, pageKnown, emit, stats, page.fullScan ? scan : null, fence);
        pageKnown = new Map();
        if (page.scanEnd && scan !== null) await this.endScan(scan, page.scanEnd, emit, stats, fence);
        if (signal.aborted) throw new RelayError('sync_aborted', 'sync stopped by shutdown');
      }
    } catch (err) {
      const error = describeError(err, signal);
      stats.requests = this.http.requestCount - requestsBefore;
      stats.durationMs = clock.now() - started;
      if (storageErrorOf(err)) this.deps.metrics?.storageFailed?.('sync', error.code);
      logger.warn({ source: this.source.id, err: error, stats }, 'sync failed');
      await this.recordFailure(error, clock.now(), stats, fence);
      return { ok: false, stats, error };
    }
    this.completedOnce = true;
    stats.requests = this.http.requestCount - requestsBefore;
    stats.durationMs = clock.now() - started;
    try {
      await store.sources.markSucceeded(this.source.id, new Date(clock.now()).toISOString(), { ...stats }, fence);
      this.unsaved = null;
    } catch (err) {
      if (err instanceof LeaseLostError) {
        const error = { code: err.code, message: err.message };
        return { ok: false, stats, error };
      }
      // Every page is committed; only the run's summary is lost. Reported as a failure so that
      // the operator sees the database problem; the next run reads on from the committed cursor.
      const storage = storageErrorOf(err, 'sync finished but its outcome was not recorded');
      if (!storage) throw err;
      this.deps.metrics?.storageFailed?.('sync', storage.code);
      const error = { code: storage.code, message: storage.message };
      this.failedUnsaved(error, clock.now(), stats);
      return { ok: false, stats, error };
    }
    logger[stats.eventsEmitted > 0 ? 'info' : 'debug']({ source: this.source.id, stats }, 'sync finished');
    return { ok: true, stats };
  }

  /** Deletes by absence, only after a complete listing (docs/vendors.md "Deletes by absence"). */
  private async endScan(scan: number, end: ScanEnd, emit: boolean, stats: RunStats, fence: Fence | null): Promise<void> {
    const { store, clock, logger } = this.deps;
    const now = clock.now();
    if (end.complete && end.expectListed !== undefined) {
      const listed = await store.snapshot.countListed(this.source.id, scan);
      if (listed < end.expectListed) {
        end = { complete: false, reason: `listed ${listed} distinct leads of ${end.expectListed}: the order shifted while paging, so some were skipped` };
      }
    }
    stats.scanComplete = end.complete;
    if (!end.complete) {
      const warning = { code: 'scan_incomplete', message: `last full scan was incomplete (${end.reason ?? 'unknown reason'}); no lead was judged missing` };
      await store.sources.setWarning(this.source.id, warning, fence);
      logger.warn({ source: this.source.id, reason: end.reason }, 'full scan incomplete; absence checks skipped');
      return;
    }
    const decision = await store.snapshot.completeScan(
      this.source.id,
      scan,
      MISSED_SCANS_TO_DELETE,
      new Date(now).toISOString(),
      (missing, liveCount) =>
        decideMissing({ sourceId: this.source.id, vendor: this.source.vendor, missing, liveCount, maxShare: this.source.maxDeleteShare, emit, now }),
      fence,
    );
    stats.missingDeleted += decision.apply ? decision.writes.length : 0;
    stats.deletesHeld += decision.apply ? 0 : 1;
    if (decision.warning) logger.warn({ source: this.source.id, warning: decision.warning }, 'deletes held');
    if (decision.outbox.length > 0) {
      stats.eventsEmitted += decision.outbox.length;
      this.emitted(decision.outbox);
    }
  }

  /** An operator confirmed that held deletes are real: apply them now. */
  async releaseHeldDeletes(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const decision = await store.snapshot.settleMissingNow(this.source.id, MISSED_SCANS_TO_DELETE, new Date(now).toISOString(), (missing, liveCount) =>
      decideMissing({ sourceId: this.source.id, vendor: this.source.vendor, missing, liveCount, maxShare: 1, force: true, emit: true, now }),
    );
    if (decision.outbox.length > 0) this.emitted(decision.outbox);
    return decision.writes.length;
  }

  private async commitPage(
    page: PulledPage,
    pageKnown: Map<string, StoredLead>,
    emit: boolean,
    stats: RunStats,
    scan: number | null,
    fence: Fence | null,
  ): Promise<void> {
    const { store, clock } = this.deps;
    const ids = page.leads.map((l) => l.lead.id);
    const missing = ids.filter((id) => !pageKnown.has(id));
    if (missing.length > 0) for (const [id, lead] of await store.snapshot.getLeads(this.source.id, missing)) pageKnown.set(id, lead);
    const withActivities = page.leads.filter((l) => l.activities).map((l) => l.lead.id);
    const knownActivities = withActivities.length > 0 ? await store.snapshot.getLeadEventHashes(this.source.id, withActivities) : new Map();
    const now = clock.now();
    const { write, summary } = buildPageWrite({
      sourceId: this.source.id,
      vendor: this.source.vendor,
      page,
      known: pageKnown,
      knownActivities,
      emit,
      now,
    });
    if (scan !== null) write.seen = { scan, leadIds: ids, missed: ids.filter((id) => (pageKnown.get(id)?.missingScans ?? 0) > 0) };
    await store.snapshot.applyPage(this.source.id, write, new Date(now).toISOString(), fence);
    stats.pages++;
    stats.leadsSeen += page.leads.length;
    stats.skippedRecords += page.skipped;
    for (const k of Object.keys(summary) as Array<keyof PageSummary>) stats[k] += summary[k];
    if (write.outbox.length > 0) this.emitted(write.outbox);
  }

  /** Events were committed to the outbox: count them and wake delivery. */
  private emitted(events: ReadonlyArray<{ type: string }>): void {
    this.deps.metrics?.eventsEmitted(this.source.id, this.source.vendor, events);
    this.deps.onEvents();
  }
}

function describeError(err: unknown, signal: AbortSignal): { code: string; message: string } {
  // The page's transaction was rolled back: snapshot, outbox and cursor stay as the last page left them.
  const storage = storageErrorOf(err, 'sync run rolled back, retried at the next poll');
  if (storage) return { code: storage.code, message: storage.message };
  if (err instanceof RelayError) return { code: err.code, message: err.message };
  if (signal.aborted) return { code: 'sync_aborted', message: 'sync stopped by shutdown' };
  return { code: 'sync_failed', message: err instanceof Error ? err.message : String(err) };
}
