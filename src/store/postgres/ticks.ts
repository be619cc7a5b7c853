// Leader-less periodic jobs (contract.ts TickOps): the replica whose insert of (job, slot) wins
// runs that slot; the table keeps only the recent slots of each job.
import type pg from 'pg';
import type { TickOps } from '../contract.js';

/** Slots of a job kept behind the newest claimed (older ones are never asked for again). */
export const TICK_SLOTS_KEPT = 1000;

export function createPgTickOps(pool: pg.Pool): TickOps {
  return {
    async claim(job, slot, replicaId, now) {
      // One round trip: the winner's statement also prunes, so the loser's (which inserted
      // nothing) leaves the table alone.
      const { rows } = await pool.query<{ won: number }>(
        `WITH won AS (
           INSERT INTO ticks (job, slot, replica_id, claimed_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (job, slot) DO NOTHING RETURNING slot),
         pruned AS (
           DELETE FROM ticks WHERE job = $1 AND slot < $2::bigint - $5 AND EXISTS (SELECT 1 FROM won))
         SELECT count(*) AS won FROM won`,
        [job, slot, replicaId, now, TICK_SLOTS_KEPT],
      );
      return (rows[0]?.won ?? 0) > 0;
    },
  };
}
