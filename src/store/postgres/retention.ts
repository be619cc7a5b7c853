// Retention on PostgreSQL (contract.ts RetentionOps): finished deliveries (attempts cascade), then
// events nothing needs any more, one bounded batch per statement.
import type pg from 'pg';
import type { RetentionOps } from '../contract.js';

export function createPgRetentionOps(pool: pg.Pool): RetentionOps {
  return {
    async deleteFinishedDeliveries(cutoffMs, limit) {
      // status <> 'pending' is the partial index deliveries_completed's condition. With them, lease
      // rows expired before the cutoff (migration 6: left by a claim whose outcome never came).
      const { rows } = await pool.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM deliveries WHERE id IN (
             SELECT id FROM deliveries WHERE status <> 'pending' AND completed_at < $1 LIMIT $2)
           RETURNING 1),
         expired AS (
           DELETE FROM delivery_leases WHERE ctid IN (SELECT ctid FROM delivery_leases WHERE locked_until < $1 LIMIT $2))
         SELECT count(*)::int AS n FROM gone`,
        [cutoffMs, limit],
      );
      return rows[0]!.n;
    },

    async deleteUnreferencedEvents(cutoffIso, fromIso, limit) {
      // An event may go once fan-out has taken it (it left fanout_pending) and no delivery
      // references it; one not fanned out yet has no deliveries *yet*. The scan starts at the
      // newest created_at the previous batch deleted, so kept events are not read batch after batch.
      const { rows } = await pool.query<{ created_at: string }>(
        `DELETE FROM events WHERE seq IN (
           SELECT e.seq FROM events e
           WHERE e.created_at >= $2 AND e.created_at < $1
             AND NOT EXISTS (SELECT 1 FROM fanout_pending f WHERE f.seq = e.seq)
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
           ORDER BY e.created_at, e.seq LIMIT $3)
         RETURNING created_at`,
        [cutoffIso, fromIso, limit],
      );
      let next = fromIso;
      for (const r of rows) if (r.created_at > next) next = r.created_at;
      return { deleted: rows.length, nextFromIso: next };
    },
  };
}
