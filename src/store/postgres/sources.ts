// Source rows on PostgreSQL: registration (runs cut short by a crash become interrupted), reads,
// and the outcome marks of a sync run, fenced by the run's lease.
import type pg from 'pg';
import type { Fence, SourceOps } from '../contract.js';
import type { SourceRow } from '../types.js';
import { assertFenced, fenceCondition } from './fence.js';
import { inTx } from './tx.js';
import { SYNC_CHANNEL } from './outbox-listener.js';

interface Row {
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

// Counts from leads_live (source_id, deleted, ...): an index-only count per source.
const SELECT = `SELECT s.id, s.vendor, s.cursor, s.initial_sync_completed_at, s.last_sync_started_at, s.last_sync_finished_at,
    s.last_sync_result, s.last_success_at, s.last_error_code, s.last_error_message, s.last_stats, s.last_complete_scan_at,
    s.held_deletes, s.warning_code, s.warning_message,
    (SELECT count(*) FROM leads l WHERE l.source_id = s.id AND NOT l.deleted) AS lead_count,
    (SELECT count(*) FROM leads l WHERE l.source_id = s.id AND l.deleted) AS deleted_count
  FROM sources s`;

export function createPgSourceOps(pool: pg.Pool): SourceOps {
  /** One UPDATE of the source row, fenced when a fence is given. */
  async function mark(id: string, set: string, params: unknown[], fence: Fence | null): Promise<void> {
    const cond = fenceCondition(id, fence, params.length + 2);
    const r = await pool.query(`UPDATE sources SET ${set} WHERE id = $${params.length + 1}${cond.sql}`, [...params, id, ...cond.params]);
    assertFenced(id, fence, r.rowCount);
  }

  return {
    async register(sources, now) {
      // One row per id (ON CONFLICT may not touch a row twice), in id order: replicas registering
      // at once lock the rows in the same order and cannot deadlock.
      const rows = [...new Map(sources.map((s) => [s.id, s.vendor])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await inTx(pool, async (c) => {
        if (rows.length > 0) {
          await c.query(
            `INSERT INTO sources (id, vendor) SELECT * FROM unnest($1::text[], $2::text[])
             ON CONFLICT (id) DO UPDATE SET vendor = excluded.vendor`,
            [rows.map(([id]) => id), rows.map(([, vendor]) => vendor)],
          );
        }
        // A run still marked running whose source nobody holds a live lease on was cut short by a
        // crash (its committed pages stand). One under a live lease is another replica's, running.
        await c.query(
          `UPDATE sources SET last_sync_result = 'interrupted'
           WHERE last_sync_result = 'running' AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= $1)`,
          [now],
        );
      });
    },

    async get(id) {
      const { rows } = await pool.query<Row>(`${SELECT} WHERE s.id = $1`, [id]);
      return rows[0] && toSourceRow(rows[0]);
    },

    async list() {
      const { rows } = await pool.query<Row>(`${SELECT} ORDER BY s.id`);
      return rows.map(toSourceRow);
    },

    async syncStart(id) {
      const { rows } = await pool.query<Pick<Row, 'cursor' | 'initial_sync_completed_at'>>(
        'SELECT cursor, initial_sync_completed_at FROM sources WHERE id = $1',
        [id],
      );
      const r = rows[0];
      return r && { cursor: r.cursor === null ? null : JSON.parse(r.cursor), initialSyncCompletedAt: r.initial_sync_completed_at };
    },

    async markStarted(id, atIso, fence) {
      await mark(id, `last_sync_started_at = $1, last_sync_result = 'running'`, [atIso], fence);
    },

    async markSucceeded(id, atIso, stats, fence) {
      await mark(
        id,
        `last_sync_finished_at = $1, last_success_at = $1, last_sync_result = 'ok', last_error_code = NULL,
         last_error_message = NULL, last_stats = $2, initial_sync_completed_at = coalesce(initial_sync_completed_at, $1)`,
        [atIso, JSON.stringify(stats)],
        fence,
      );
    },

    async markFailed(id, atIso, error, stats, fence) {
      await mark(
        id,
        `last_sync_finished_at = $1, last_sync_result = 'error', last_error_code = $2, last_error_message = $3, last_stats = $4`,
        [atIso, error.code, error.message, JSON.stringify(stats)],
        fence,
      );
    },

    async setWarning(id, warning, fence) {
      await mark(id, 'warning_code = $1, warning_message = $2', [warning?.code ?? null, warning?.message ?? null], fence);
    },

    // Recorded and announced in one statement: the NOTIFY goes out when it commits.
    async requestSync(id, now) {
      await pool.query(`WITH r AS (UPDATE sources SET sync_requested_at = $2 WHERE id = $1 RETURNING id) SELECT pg_notify('${SYNC_CHANNEL}', id) FROM r`, [id, now]);
    },

    async syncRequests() {
      const { rows } = await pool.query<{ id: string; sync_requested_at: number }>('SELECT id, sync_requested_at FROM sources WHERE sync_requested_at IS NOT NULL');
      return rows.map((r) => ({ sourceId: r.id, requestedAt: r.sync_requested_at }));
    },
  };
}

function toSourceRow(r: Row): SourceRow {
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
