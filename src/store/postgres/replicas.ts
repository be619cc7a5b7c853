// Live replicas (contract.ts ReplicaOps): a heartbeat row per process sharing the database.
import type pg from 'pg';
import type { ReplicaOps } from '../contract.js';

export function createPgReplicaOps(pool: pg.Pool): ReplicaOps {
  return {
    async heartbeat(replica, now) {
      await pool.query(
        `INSERT INTO replicas (id, version, started_at, last_seen_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, started_at = excluded.started_at, last_seen_at = excluded.last_seen_at`,
        [replica.id, replica.version, replica.startedAt, now],
      );
    },

    async list(since) {
      const { rows } = await pool.query<{ id: string; version: string; started_at: number; last_seen_at: number }>(
        'SELECT id, version, started_at, last_seen_at FROM replicas WHERE last_seen_at >= $1 ORDER BY last_seen_at DESC, id',
        [since],
      );
      return rows.map((r) => ({ id: r.id, version: r.version, startedAt: r.started_at, lastSeenAt: r.last_seen_at }));
    },

    async remove(id) {
      await pool.query('DELETE FROM replicas WHERE id = $1', [id]);
    },
  };
}
