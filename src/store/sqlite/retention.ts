// Retention: deletes finished deliveries (attempts cascade) and then the events nothing needs,
// one bounded batch per statement so the pruner can yield to sync and delivery between batches.
import type { Db } from './db.js';

export class RetentionStore {
  private readonly deliveriesStmt;
  private readonly eventsStmt;

  constructor(db: Db) {
    // `status <> 'pending'` is exactly the finished states (succeeded, failed). No index holds
    // completed_at (each outcome would write one, migration 17): a delivery completes after it is
    // created, so the walk is bounded by created_at, one deliveries_by_subscription range per
    // subscription (every delivery has one: ON DELETE CASCADE). It steps over what is kept (pending,
    // or completed since the cutoff), few next to what it deletes. delivery_attempts go with their
    // delivery (ON DELETE CASCADE, indexed by delivery_id).
    this.deliveriesStmt = db.prepare(
      `DELETE FROM deliveries WHERE id IN (
         SELECT d.id FROM deliveries d INDEXED BY deliveries_by_subscription
         WHERE d.subscription_id IN (SELECT id FROM subscriptions) AND d.created_at < @cutoffMs
           AND d.status <> 'pending' AND d.completed_at < @cutoffMs
         LIMIT @limit)`,
    );
    // An event may go once no delivery references it (any status: a pending one still has to send
    // it, and a finished one within retention still shows it in its log) and once fan-out has
    // passed it; an event not yet fanned out has no deliveries *yet*. The scan walks
    // events_created_at from @fromIso, the newest created_at the previous batch deleted, so
    // events kept because a delivery needs them are not scanned again batch after batch.
    this.eventsStmt = db.prepare(
      `DELETE FROM events WHERE seq IN (
         SELECT e.seq FROM events e
         WHERE e.created_at >= @fromIso AND e.created_at < @cutoffIso
           AND e.seq <= (SELECT coalesce(max(value), 0) FROM cursors WHERE name = 'fanout')
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
         ORDER BY e.created_at, e.seq LIMIT @limit)
       RETURNING created_at`,
    );
  }

  /** Deletes up to `limit` finished deliveries completed before cutoffMs; returns how many. */
  deleteFinishedDeliveries(cutoffMs: number, limit: number): number {
    return this.deliveriesStmt.run({ cutoffMs, limit }).changes;
  }

  /**
   * Deletes up to `limit` unreferenced, fanned-out events created in [fromIso, cutoffIso).
   * Returns how many and where the next batch should start scanning.
   */
  deleteUnreferencedEvents(cutoffIso: string, fromIso: string, limit: number): { deleted: number; nextFromIso: string } {
    const rows = this.eventsStmt.all({ cutoffIso, fromIso, limit }) as Array<{ created_at: string }>;
    let next = fromIso;
    for (const r of rows) if (r.created_at > next) next = r.created_at;
    return { deleted: rows.length, nextFromIso: next };
  }
}
