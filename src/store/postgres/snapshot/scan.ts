// Full scans on PostgreSQL: a new scan generation to mark listed leads with, and at the end of a
// complete scan the count of leads it missed and the decision about those missed too often.
import type pg from 'pg';
import type { Fence } from '../../contract.js';
import type { MissingDecision, MissingLead } from '../../types.js';
import { assertFenced, fenceCondition, lockSource } from '../fence.js';
import { inTx, type Querier } from '../tx.js';
import { LEAD_COLUMNS, toMissingLead, type LeadRow } from './lead-row.js';
import { writePage } from './write-page.js';

export type Decide = (missing: MissingLead[], liveCount: number) => MissingDecision;

export async function beginScan(pool: pg.Pool, sourceId: string, fence: Fence | null): Promise<number> {
  return inTx(pool, async (c) => {
    const cond = fenceCondition(sourceId, fence, 2);
    const r = await c.query<{ scan_generation: number }>(
      `UPDATE sources SET scan_generation = scan_generation + 1 WHERE id = $1${cond.sql} RETURNING scan_generation`,
      [sourceId, ...cond.params],
    );
    assertFenced(sourceId, fence, r.rowCount);
    const row = r.rows[0];
    if (!row) throw new Error(`beginScan: unknown source ${sourceId}`);
    // Marks of a scan that never completed.
    await c.query('DELETE FROM scan_seen WHERE source_id = $1', [sourceId]);
    return row.scan_generation;
  });
}

export async function countListed(pool: pg.Pool, sourceId: string, scan: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(DISTINCT lead_id)::int AS n FROM scan_seen WHERE source_id = $1 AND scan = $2',
    [sourceId, scan],
  );
  return rows[0]?.n ?? 0;
}

export async function completeScan(
  pool: pg.Pool,
  sourceId: string,
  scan: number,
  threshold: number,
  nowIso: string,
  decide: Decide,
  fence: Fence | null,
): Promise<MissingDecision> {
  return inTx(pool, async (c) => {
    await lockSource(c, sourceId, fence);
    // Per lead, one seek into scan_seen's index: only the leads the scan did not list are written.
    // Written so that it stays a seek whatever the statistics say. As NOT EXISTS, with statistics
    // from before the tables grew (autovacuum had not analyzed them yet), the planner chose a
    // nested loop that read all of the scan's marks for every lead: 26 s at 20,000 leads, past the
    // statement timeout, while this transaction held the source row and so blocked the lease's
    // renewal (bench pg-sync, 2 replicas). Hence a correlated subquery with LIMIT (never turned
    // into a join), and COLLATE "default": leads.lead_id is "C", scan_seen.lead_id the database's
    // default, and under no common collation the index could not serve lead_id at all. Both
    // collations are deterministic, so equality is bytewise either way. Now ~50 ms at 20,000.
    await c.query(
      `UPDATE leads l SET missing_scans = l.missing_scans + 1
       WHERE l.source_id = $1 AND NOT l.deleted
         AND (SELECT 1 FROM scan_seen s
              WHERE s.source_id = $1 AND s.scan = $2 AND s.lead_id = l.lead_id COLLATE "default" LIMIT 1) IS NULL`,
      [sourceId, scan],
    );
    await c.query('DELETE FROM scan_seen WHERE source_id = $1', [sourceId]);
    return settleMissing(c, sourceId, threshold, nowIso, decide);
  });
}

/** An operator's re-decision: locks the source row so a poller's completeScan and this take turns. */
export async function settleMissingNow(pool: pg.Pool, sourceId: string, threshold: number, nowIso: string, decide: Decide): Promise<MissingDecision> {
  return inTx(pool, async (c) => {
    await lockSource(c, sourceId, null);
    return settleMissing(c, sourceId, threshold, nowIso, decide);
  });
}

async function settleMissing(c: Querier, sourceId: string, threshold: number, nowIso: string, decide: Decide): Promise<MissingDecision> {
  const { rows } = await c.query<LeadRow>(
    `SELECT ${LEAD_COLUMNS} FROM leads WHERE source_id = $1 AND NOT deleted AND missing_scans >= $2 ORDER BY lead_id`,
    [sourceId, threshold],
  );
  const live = await c.query<{ n: number }>('SELECT count(*) AS n FROM leads WHERE source_id = $1 AND NOT deleted', [sourceId]);
  const missing = rows.map(toMissingLead);
  const decision = decide(missing, live.rows[0]?.n ?? 0);
  if (decision.apply) await writePage(c, sourceId, { leads: decision.writes, leadEvents: [], outbox: decision.outbox }, nowIso);
  await c.query('UPDATE sources SET last_complete_scan_at = $2, held_deletes = $3, warning_code = $4, warning_message = $5 WHERE id = $1', [
    sourceId,
    nowIso,
    decision.apply ? 0 : missing.length,
    decision.warning?.code ?? null,
    decision.warning?.message ?? null,
  ]);
  return decision;
}
