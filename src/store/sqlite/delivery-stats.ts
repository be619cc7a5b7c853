// The dashboard's delivery figures (contract.ts DeliveryStatsOps), counted from the covering
// indexes of migration 11: one index range per figure, however long the attempt log.
import type { MinuteStats, SubscriptionAttemptStats } from '../types.js';
import { HOUR, subscriptionHealth, type HealthQueries, type HourCount, type WindowRow } from '../delivery-stats-model.js';
import type { Db } from './db.js';

const OK = 'status_code BETWEEN 200 AND 299';

export class SqliteDeliveryStats {
  private readonly perMinuteStmt;
  private readonly windowsStmt;
  private readonly readHoursStmt;
  private readonly countHoursStmt;
  private readonly writeHourStmt;
  private readonly dropHoursStmt;
  private readonly queries: HealthQueries;

  constructor(db: Db) {
    // delivery_attempts_subscription (subscription_id, started_at, status_code), index only: one range
    // per subscription (every attempt has one: ON DELETE CASCADE). An index on started_at alone
    // would cost every recorded attempt its own pages (migration 17).
    this.perMinuteStmt = db.prepare(
      `SELECT (started_at / 60000) * 60000 AS minute, sum(${OK}) AS succeeded, sum(NOT coalesce(${OK}, 0)) AS failed
       FROM delivery_attempts INDEXED BY delivery_attempts_subscription
       WHERE subscription_id IN (SELECT id FROM subscriptions) AND started_at >= ? AND started_at < ?
       GROUP BY minute ORDER BY minute`,
    );
    // delivery_attempts_subscription (subscription_id, started_at, status_code): one range per id and
    // window. Two ranges (the window, then its recent part) cost less than one pass that tests every
    // row of the window for both (measured on 200,000 attempts in a day over 20 subscriptions:
    // 31 ms against 56 ms); the settled hours of the window come from attempt_hours instead.
    this.windowsStmt = db.prepare(/* sql */ `
      SELECT 'all' AS w, subscription_id, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
      FROM delivery_attempts WHERE subscription_id IN (SELECT value FROM json_each(@ids))
        AND ((started_at >= @since AND started_at < @skipFrom) OR started_at >= max(@since, @skipUntil))
      GROUP BY subscription_id
      UNION ALL
      SELECT 'recent' AS w, subscription_id, count(*), count(*) FILTER (WHERE ${OK})
      FROM delivery_attempts WHERE subscription_id IN (SELECT value FROM json_each(@ids)) AND started_at >= @recentSince
      GROUP BY subscription_id`);
    this.readHoursStmt = db.prepare(
      `SELECT subscription_id, hour, attempts, succeeded FROM attempt_hours
       WHERE subscription_id IN (SELECT value FROM json_each(@ids)) AND hour >= @from AND hour < @until`,
    );
    this.countHoursStmt = db.prepare(
      `SELECT subscription_id, (started_at / ${HOUR}) * ${HOUR} AS hour, count(*) AS attempts, count(*) FILTER (WHERE ${OK}) AS succeeded
       FROM delivery_attempts WHERE subscription_id IN (SELECT value FROM json_each(@ids)) AND started_at >= @from AND started_at < @until
       GROUP BY subscription_id, hour`,
    );
    // A subscription deleted meanwhile gets no row (its foreign key would refuse it).
    this.writeHourStmt = db.prepare(
      `INSERT INTO attempt_hours (subscription_id, hour, attempts, succeeded)
       SELECT @subscriptionId, @hour, @attempts, @succeeded WHERE EXISTS (SELECT 1 FROM subscriptions WHERE id = @subscriptionId)
       ON CONFLICT DO NOTHING`,
    );
    this.dropHoursStmt = db.prepare(`DELETE FROM attempt_hours WHERE hour < ?`);
    this.queries = {
      readHours: async (ids, from, until) => this.hourRows(this.readHoursStmt.all({ ids: JSON.stringify(ids), from, until })),
      countHours: async (ids, from, until) => this.hourRows(this.countHoursStmt.all({ ids: JSON.stringify(ids), from, until })),
      writeHours: async (rows) => db.transaction(() => rows.forEach((r) => this.writeHourStmt.run(r)))(),
      dropHoursBefore: async (hour) => void this.dropHoursStmt.run(hour),
      countWindows: async (ids, since, skipFrom, skipUntil, recentSince) =>
        this.windowsStmt.all({ ids: JSON.stringify(ids), since, skipFrom, skipUntil, recentSince }) as WindowRow[],
    };
  }

  private hourRows(rows: unknown[]): HourCount[] {
    return (rows as Array<{ subscription_id: string; hour: number; attempts: number; succeeded: number }>).map((r) => ({
      subscriptionId: r.subscription_id,
      hour: r.hour,
      attempts: r.attempts,
      succeeded: r.succeeded,
    }));
  }

  perMinute(since: number, until: number): MinuteStats[] {
    const rows = this.perMinuteStmt.all(since, until) as Array<{ minute: number; succeeded: number; failed: number }>;
    return rows.map((r) => ({ minute: r.minute, succeeded: r.succeeded, failed: r.failed }));
  }

  subscriptionHealth(ids: readonly string[], since: number, recentSince: number, now: number): Promise<SubscriptionAttemptStats[]> {
    return subscriptionHealth(this.queries, ids, since, recentSince, now);
  }
}
