// The dashboard's delivery figures on PostgreSQL (contract.ts DeliveryStatsOps), counted from the
// covering indexes of migration 2 (index-only scans once the visibility map is current).
import type pg from 'pg';
import type { DeliveryStatsOps } from '../contract.js';

const OK = 'status_code BETWEEN 200 AND 299';

export function createPgDeliveryStatsOps(pool: pg.Pool): DeliveryStatsOps {
  return {
    async perMinute(since, until) {
      // delivery_attempts_time (started_at, status_code).
      const { rows } = await pool.query<{ minute: number; succeeded: number; failed: number }>(
        `SELECT (started_at / 60000) * 60000 AS minute, count(*) FILTER (WHERE ${OK}) AS succeeded,
                count(*) FILTER (WHERE NOT coalesce(${OK}, false)) AS failed
         FROM delivery_attempts WHERE started_at >= $1 AND started_at < $2
         GROUP BY 1 ORDER BY 1`,
        [since, until],
      );
      return rows.map((r) => ({ minute: Number(r.minute), succeeded: Number(r.succeeded), failed: Number(r.failed) }));
    },

    async subscriptionHealth(ids, since, recentSince) {
      // delivery_attempts_subscription (subscription_id, started_at, status_code): one range per id.
      const { rows } = await pool.query<{ subscription_id: string; attempts: number; succeeded: number; recent_attempts: number; recent_succeeded: number }>(
        `SELECT subscription_id, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded,
                count(*) FILTER (WHERE started_at >= $3) AS recent_attempts,
                count(*) FILTER (WHERE started_at >= $3 AND ${OK}) AS recent_succeeded
         FROM delivery_attempts WHERE subscription_id = ANY($1::text[]) AND started_at >= $2
         GROUP BY subscription_id`,
        [ids, since, recentSince],
      );
      const found = new Map(rows.map((r) => [r.subscription_id, r]));
      return ids.map((id) => {
        const r = found.get(id);
        return {
          subscriptionId: id,
          attempts: Number(r?.attempts ?? 0),
          succeeded: Number(r?.succeeded ?? 0),
          recentAttempts: Number(r?.recent_attempts ?? 0),
          recentSucceeded: Number(r?.recent_succeeded ?? 0),
        };
      });
    },
  };
}
