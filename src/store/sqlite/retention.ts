// Retention: deletes finished deliveries (attempts cascade) and then the events nothing needs,
// one bounded batch per statement so the pruner can yield to sync and delivery between batches.
import type { Db } from './db.js';

export class RetentionStore {
  private readonly deliveriesStmt;
  private readonly eventsStmt;

  constructor(db: Db) {
    // `status <> 'pending'` is exactly the finished states (succeeded, failed) and, written this way,
    // lets SQLite use the partial index deliveries_completed. delivery_attempts go with their
    // delivery (ON DELETE CASCADE, indexed by delivery_id).
    this.deliveriesStmt = db.prepare(
      `DELETE FROM deliveries WHERE id IN (
         SELECT id FROM deliveries WHERE status <> 'pending' AND completed_at < @cutoffMs LIMIT @limit)`,
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
