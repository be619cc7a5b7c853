// Source leases (contract.ts LeaseOps): one replica polls a source at a time; a takeover draws a
// larger token, which fences off every later write of the replica that lost it.
import type pg from 'pg';
import type { LeaseOps } from '../contract.js';

export function createPgLeaseOps(pool: pg.Pool): LeaseOps {
  return {
    async acquire(sourceId, replicaId, now, ttlMs) {
      // One statement: two replicas racing for a free lease both reach the row, the second waits
      // for the first's commit and re-checks the WHERE on the new row (READ COMMITTED), finding it
      // held. The holder renewing keeps its token (its run goes on); anyone else gets token + 1.
      const { rows } = await pool.query<{ lease_token: number }>(
        `UPDATE sources SET
           lease_token = CASE WHEN lease_owner = $2 THEN lease_token ELSE lease_token + 1 END,
           lease_owner = $2, lease_expires_at = $3::bigint + $4::bigint
         WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at IS NULL OR lease_expires_at <= $3)
         RETURNING lease_token`,
        [sourceId, replicaId, now, ttlMs],
      );
      const row = rows[0];
      return row ? { sourceId, replicaId, token: row.lease_token } : null;
    },

    async renew(fence, now, ttlMs) {
      // Still ours if nobody took it: an expired lease no other replica acquired keeps its token.
      const r = await pool.query(
        'UPDATE sources SET lease_expires_at = $4::bigint + $5::bigint WHERE id = $1 AND lease_owner = $2 AND lease_token = $3',
        [fence.sourceId, fence.replicaId, fence.token, now, ttlMs],
      );
      return r.rowCount === 1;
    },

    async release(fence) {
      // The token stays: the next holder's is larger, and this one matches no owner any more.
      await pool.query('UPDATE sources SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2 AND lease_token = $3', [
        fence.sourceId,
        fence.replicaId,
        fence.token,
      ]);
    },

    async list() {
      const { rows } = await pool.query<{ id: string; lease_owner: string | null; lease_token: number; lease_expires_at: number | null }>(
        'SELECT id, lease_owner, lease_token, lease_expires_at FROM sources ORDER BY id',
      );
      return rows.map((r) => ({ sourceId: r.id, owner: r.lease_owner, token: r.lease_token, expiresAt: r.lease_expires_at }));
    },
  };
}
