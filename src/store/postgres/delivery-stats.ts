// The dashboard's delivery figures on PostgreSQL (contract.ts DeliveryStatsOps), counted from the
// covering indexes of migration 2 (index-only scans once the visibility map is current).
import type pg from 'pg';
import type { DeliveryStatsOps } from '../contract.js';
import { collectWindows } from '../delivery-stats-model.js';

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
      // delivery_attempts_subscription (subscription_id, started_at, status_code): one range per id
      // and window; two ranges cost less than testing every row of the window for both (SQLite's
      // delivery-stats.ts has the figures).
      const window = (name: string, param: string) => /* sql */ `
        SELECT '${name}' AS w, subscription_id, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
        FROM delivery_attempts WHERE subscription_id = ANY($1::text[]) AND started_at >= ${param}
        GROUP BY subscription_id`;
      const { rows } = await pool.query<{ w: 'all' | 'recent'; subscription_id: string; attempts: number; succeeded: number }>(
        `${window('all', '$2')} UNION ALL ${window('recent', '$3')}`,
        [ids, since, recentSince],
      );
      return collectWindows(ids, rows);
    },
  };
}
