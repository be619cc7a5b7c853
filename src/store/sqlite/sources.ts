// Source rows: each configured vendor account, its committed cursor and the outcome of its last sync.
import type { SourceRow } from '../types.js';
import type { Db } from './db.js';


interface RawSourceRow {
  id: string;
  vendor: string;
  cursor: string | null;
  initial_sync_completed_at: string | null;
  last_sync_started_at: string | null;
  last_sync_finished_at: string | null;
  last_sync_result: string | null;
  last_success_at: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_stats: string | null;
  last_complete_scan_at: string | null;
  held_deletes: number;
  warning_code: string | null;
  warning_message: string | null;
  lead_count: number;
  deleted_count: number;
}

export class SourceStore {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly syncStartStmt;
  private readonly listStmt;
  private readonly startStmt;
  private readonly finishOkStmt;
  private readonly finishErrorStmt;
  private readonly cursorStmt;
  private readonly beginScanStmt;
  private readonly scanOutcomeStmt;
  private readonly warnStmt;
  private readonly requestStmt;
  private readonly requestsStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO sources (id, vendor) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET vendor = excluded.vendor`,
    );
    const select = `SELECT s.*,
        (SELECT count(*) FROM leads l WHERE l.source_id = s.id AND l.deleted = 0) AS lead_count,
        (SELECT count(*) FROM leads l WHERE l.source_id = s.id AND l.deleted = 1) AS deleted_count
      FROM sources s`;
    this.getStmt = db.prepare(`${select} WHERE s.id = ?`);
    this.syncStartStmt = db.prepare(`SELECT cursor, initial_sync_completed_at FROM sources WHERE id = ?`);
    this.listStmt = db.prepare(`${select} ORDER BY s.id`);
    this.startStmt = db.prepare(
      `UPDATE sources SET last_sync_started_at = ?, last_sync_result = 'running' WHERE id = ?`,
    );
    this.finishOkStmt = db.prepare(
      `UPDATE sources SET last_sync_finished_at = @at, last_success_at = @at, last_sync_result = 'ok',
         last_error_code = NULL, last_error_message = NULL, last_stats = @stats,
         initial_sync_completed_at = coalesce(initial_sync_completed_at, @at)
       WHERE id = @id`,
    );
    this.finishErrorStmt = db.prepare(
      `UPDATE sources SET last_sync_finished_at = @at, last_sync_result = 'error',
         last_error_code = @code, last_error_message = @message, last_stats = @stats WHERE id = @id`,
    );
    this.cursorStmt = db.prepare(`UPDATE sources SET cursor = ? WHERE id = ?`);
    this.beginScanStmt = db.prepare(
      `UPDATE sources SET scan_generation = scan_generation + 1 WHERE id = ? RETURNING scan_generation`,
    );
    this.scanOutcomeStmt = db.prepare(
      `UPDATE sources SET last_complete_scan_at = @at, held_deletes = @held, warning_code = @code, warning_message = @message
       WHERE id = @id`,
    );
    this.warnStmt = db.prepare(`UPDATE sources SET warning_code = ?, warning_message = ? WHERE id = ?`);
    this.requestStmt = db.prepare(`UPDATE sources SET sync_requested_at = ? WHERE id = ?`);
    this.requestsStmt = db.prepare(`SELECT id, sync_requested_at FROM sources WHERE sync_requested_at IS NOT NULL`);
  }

  /**
   * Registers configured sources; a source keeps its cursor and snapshot across restarts. One relay
   * owns a SQLite file, so every source lease left in it belonged to a process that is gone: they are
   * voided (a restart polls at once), and a run still marked running was cut short by a crash (its
   * committed pages stand).
   */
  register(sources: ReadonlyArray<{ id: string; vendor: string }>): void {
    this.db.transaction(() => {
      for (const s of sources) this.upsertStmt.run(s.id, s.vendor);
      this.db.prepare(`UPDATE sources SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner IS NOT NULL`).run();
      this.db.prepare(`UPDATE sources SET last_sync_result = 'interrupted' WHERE last_sync_result = 'running'`).run();
    })();
  }

  get(id: string): SourceRow | undefined {
    const row = this.getStmt.get(id) as RawSourceRow | undefined;
    return row && toSourceRow(row);
  }

  /**
   * What a sync run starts from, without get()'s lead counts: those count every lead of the source
   * (8 ms at 100k, 80 ms at 1M), a fixed cost on every poll, even one that finds nothing new.
   */
  syncStart(id: string): Pick<SourceRow, 'cursor' | 'initialSyncCompletedAt'> | undefined {
    const row = this.syncStartStmt.get(id) as Pick<RawSourceRow, 'cursor' | 'initial_sync_completed_at'> | undefined;
    return row && { cursor: row.cursor === null ? null : JSON.parse(row.cursor), initialSyncCompletedAt: row.initial_sync_completed_at };
  }

  list(): SourceRow[] {
    return (this.listStmt.all() as RawSourceRow[]).map(toSourceRow);
  }

  markStarted(id: string, at: string): void {
    this.startStmt.run(at, id);
  }

  markSucceeded(id: string, at: string, stats: Record<string, unknown>): void {
    this.finishOkStmt.run({ id, at, stats: JSON.stringify(stats) });
  }

  markFailed(id: string, at: string, error: { code: string; message: string }, stats: Record<string, unknown>): void {
    this.finishErrorStmt.run({ id, at, code: error.code, message: error.message, stats: JSON.stringify(stats) });
  }

  /** Starts a full scan: a new generation number that the scan's pages mark their leads with. */
  beginScan(id: string): number {
    return (this.beginScanStmt.get(id) as { scan_generation: number }).scan_generation;
  }

  /** Inside SnapshotStore's scan transaction. */
  recordScanOutcome(id: string, at: string, heldDeletes: number, warning: { code: string; message: string } | null): void {
    this.scanOutcomeStmt.run({ id, at, held: heldDeletes, code: warning?.code ?? null, message: warning?.message ?? null });
  }

  /** A warning shown on GET /v1/sources until the next complete scan replaces it (null clears it). */
  setWarning(id: string, warning: { code: string; message: string } | null): void {
    this.warnStmt.run(warning?.code ?? null, warning?.message ?? null, id);
  }

  requestSync(id: string, now: number): void {
    this.requestStmt.run(now, id);
  }

  syncRequests(): Array<{ sourceId: string; requestedAt: number }> {
    return (this.requestsStmt.all() as Array<{ id: string; sync_requested_at: number }>).map((r) => ({ sourceId: r.id, requestedAt: r.sync_requested_at }));
  }

  /** Only for use inside the page transaction (SnapshotStore.applyPage). */
  setCursor(id: string, cursor: unknown): void {
    this.cursorStmt.run(cursor === undefined ? null : JSON.stringify(cursor), id);
  }
}

function toSourceRow(r: RawSourceRow): SourceRow {
  return {
    id: r.id,
    vendor: r.vendor,
    cursor: r.cursor === null ? null : JSON.parse(r.cursor),
    initialSyncCompletedAt: r.initial_sync_completed_at,
    lastSyncStartedAt: r.last_sync_started_at,
    lastSyncFinishedAt: r.last_sync_finished_at,
    lastSyncResult: r.last_sync_result,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error_code ? { code: r.last_error_code, message: r.last_error_message ?? '' } : null,
    lastStats: r.last_stats ? JSON.parse(r.last_stats) : null,
    lastCompleteScanAt: r.last_complete_scan_at,
    heldDeletes: r.held_deletes,
    warning: r.warning_code ? { code: r.warning_code, message: r.warning_message ?? '' } : null,
    leadCount: r.lead_count,
    deletedLeadCount: r.deleted_count,
  };
}
