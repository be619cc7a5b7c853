// The dashboard's delivery figures (contract.ts DeliveryStatsOps), counted from the covering
// indexes of migration 11: one index range per figure, however long the attempt log.
import type { MinuteStats, SubscriptionAttemptStats } from '../types.js';
import { collectWindows } from '../delivery-stats-model.js';
import type { Db } from './db.js';

const OK = 'status_code BETWEEN 200 AND 299';

export class SqliteDeliveryStats {
  private readonly perMinuteStmt;
  private readonly healthStmt;

  constructor(db: Db) {
    // delivery_attempts_time (started_at, status_code): index only.
    this.perMinuteStmt = db.prepare(
      `SELECT (started_at / 60000) * 60000 AS minute, sum(${OK}) AS succeeded, sum(NOT coalesce(${OK}, 0)) AS failed
       FROM delivery_attempts WHERE started_at >= ? AND started_at < ?
       GROUP BY minute ORDER BY minute`,
    );
    // delivery_attempts_subscription (subscription_id, started_at, status_code): one range per id and
    // window. Two ranges (the window, then its recent part) cost less than one pass that tests every
    // row of the window for both (measured on 200,000 attempts in a day over 20 subscriptions:
    // 31 ms against 56 ms).
    const window = (name: string, since: string) => /* sql */ `
      SELECT '${name}' AS w, subscription_id, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
      FROM delivery_attempts WHERE subscription_id IN (SELECT value FROM json_each(@ids)) AND started_at >= ${since}
      GROUP BY subscription_id`;
    this.healthStmt = db.prepare(`${window('all', '@since')} UNION ALL ${window('recent', '@recentSince')}`);
  }

  perMinute(since: number, until: number): MinuteStats[] {
    const rows = this.perMinuteStmt.all(since, until) as Array<{ minute: number; succeeded: number; failed: number }>;
    return rows.map((r) => ({ minute: r.minute, succeeded: r.succeeded, failed: r.failed }));
  }

  subscriptionHealth(ids: readonly string[], since: number, recentSince: number): SubscriptionAttemptStats[] {
    const rows = this.healthStmt.all({ ids: JSON.stringify(ids), since, recentSince }) as Array<{
      w: 'all' | 'recent';
      subscription_id: string;
      attempts: number;
      succeeded: number;
    }>;
    return collectWindows(ids, rows);
  }
}
