// The dashboard's delivery figures on PostgreSQL (contract.ts DeliveryStatsOps), counted from the
// covering indexes of migration 2 (index-only scans once the visibility map is current).
import type pg from 'pg';
import type { DeliveryStatsOps } from '../contract.js';
import { HOUR, subscriptionHealth, type HealthQueries, type HourCount, type WindowRow } from '../delivery-stats-model.js';

const OK = 'status_code BETWEEN 200 AND 299';

export function createPgDeliveryStatsOps(pool: pg.Pool): DeliveryStatsOps {
  const queries = healthQueries(pool);
  return {
    async perMinute(since, until) {
      // delivery_attempts_subscription (subscription_id, started_at, status_code), one range per
      // subscription: every attempt belongs to one that exists (ON DELETE CASCADE), and an index on
      // (started_at) alone would be one more written by every attempt (migration 6 dropped it).
      const { rows } = await pool.query<{ minute: number; succeeded: number; failed: number }>(
        `SELECT (a.started_at / 60000) * 60000 AS minute, count(*) FILTER (WHERE ${OK}) AS succeeded,
                count(*) FILTER (WHERE NOT coalesce(${OK}, false)) AS failed
         FROM subscriptions s
         CROSS JOIN LATERAL (SELECT started_at, status_code FROM delivery_attempts a
                             WHERE a.subscription_id = s.id AND a.started_at >= $1 AND a.started_at < $2) a
         GROUP BY 1 ORDER BY 1`,
        [since, until],
      );
      return rows.map((r) => ({ minute: Number(r.minute), succeeded: Number(r.succeeded), failed: Number(r.failed) }));
    },

    subscriptionHealth: (ids, since, recentSince, now) => subscriptionHealth(queries, ids, since, recentSince, now),
  };
}

/** The reads and writes of subscriptionHealth (delivery-stats-model.ts), on the indexes of migration 2. */
function healthQueries(pool: pg.Pool): HealthQueries {
  const hourRows = (rows: Array<{ subscription_id: string; hour: number; attempts: number; succeeded: number }>): HourCount[] =>
    rows.map((r) => ({ subscriptionId: r.subscription_id, hour: Number(r.hour), attempts: Number(r.attempts), succeeded: Number(r.succeeded) }));
  return {
    async readHours(ids, from, until) {
      const { rows } = await pool.query(
        'SELECT subscription_id, hour, attempts, succeeded FROM attempt_hours WHERE subscription_id = ANY($1::text[]) AND hour >= $2 AND hour < $3',
        [ids, from, until],
      );
      return hourRows(rows);
    },

    async countHours(ids, from, until) {
      const { rows } = await pool.query(
        `SELECT subscription_id, (started_at / ${HOUR}) * ${HOUR} AS hour, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
         FROM delivery_attempts WHERE subscription_id = ANY($1::text[]) AND started_at >= $2 AND started_at < $3
         GROUP BY 1, 2`,
        [ids, from, until],
      );
      return hourRows(rows);
    },

    async writeHours(rows) {
      if (rows.length === 0) return;
      // Several replicas may count the same hour: the first row stays (the counts are the same).
      // A subscription deleted meanwhile gets none (the join drops it).
      await pool.query(
        `INSERT INTO attempt_hours (subscription_id, hour, attempts, succeeded)
         SELECT r.sub, r.hour, r.attempts, r.succeeded
         FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[]) AS r(sub, hour, attempts, succeeded)
         JOIN subscriptions s ON s.id = r.sub
         ORDER BY r.sub, r.hour
         ON CONFLICT (subscription_id, hour) DO NOTHING`,
        [rows.map((r) => r.subscriptionId), rows.map((r) => r.hour), rows.map((r) => r.attempts), rows.map((r) => r.succeeded)],
      );
    },

    async dropHoursBefore(hour) {
      await pool.query('DELETE FROM attempt_hours WHERE hour < $1', [hour]);
    },

    async countWindows(ids, since, skipFrom, skipUntil, recentSince) {
      // delivery_attempts_subscription: the window's edges before and after the kept hours, and the recent part.
      const { rows } = await pool.query<WindowRow>(
        `SELECT 'all' AS w, subscription_id, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
         FROM delivery_attempts WHERE subscription_id = ANY($1::text[])
           AND ((started_at >= $2 AND started_at < $3) OR started_at >= greatest($2, $4))
         GROUP BY subscription_id
         UNION ALL
         SELECT 'recent', subscription_id, count(*), count(*) FILTER (WHERE ${OK})
         FROM delivery_attempts WHERE subscription_id = ANY($1::text[]) AND started_at >= $5
         GROUP BY subscription_id`,
        [ids, since, skipFrom, skipUntil, recentSince],
      );
      return rows;
    },
  };
}
