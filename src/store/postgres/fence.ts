// Fencing: a sync run's writes commit only while its replica still holds the source's lease with
// the token it was granted (contract.ts, Fence); checked inside the write's own transaction.
import type { Fence } from '../contract.js';
import { LeaseLostError } from '../errors.js';
import type { Querier } from './tx.js';

function sameSource(sourceId: string, fence: Fence): void {
  if (fence.sourceId !== sourceId) throw new Error(`a fence for source ${fence.sourceId} was passed to a write of source ${sourceId}`);
}

/**
 * `WHERE` conditions for an UPDATE of the source row that only matches while the lease is held,
 * with their parameters numbered from `next`. Empty without a fence.
 */
export function fenceCondition(sourceId: string, fence: Fence | null, next: number): { sql: string; params: unknown[] } {
  if (!fence) return { sql: '', params: [] };
  sameSource(sourceId, fence);
  return { sql: ` AND lease_owner = $${next} AND lease_token = $${next + 1}`, params: [fence.replicaId, fence.token] };
}

/** After an UPDATE built with fenceCondition: no row means the lease is gone. */
export function assertFenced(sourceId: string, fence: Fence | null, rowCount: number | null): void {
  if (fence && !rowCount) throw new LeaseLostError(sourceId, fence.replicaId);
}

/**
 * Locks the source row for the rest of the transaction, checking the fence when there is one:
 * a takeover (LeaseOps.acquire updates this row) waits for the transaction, and one committed
 * before it makes this throw LeaseLostError, so the transaction writes nothing.
 */
export async function lockSource(c: Querier, sourceId: string, fence: Fence | null): Promise<void> {
  const cond = fenceCondition(sourceId, fence, 2);
  const r = await c.query(`SELECT 1 FROM sources WHERE id = $1${cond.sql} FOR UPDATE`, [sourceId, ...cond.params]);
  assertFenced(sourceId, fence, r.rowCount);
}
