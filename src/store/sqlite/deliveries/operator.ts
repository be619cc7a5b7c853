// What operators and shutdown do to single deliveries: retry now, a test ping, replay (requeue),
// give a claim back, and void a dead process's leases at start.
import type { Db } from '../db.js';
import type { OutboxStore } from '../outbox.js';
import type { OutboxEvent } from '../../../model.js';
import type { DeliveryFilter, StoredEvent } from '../../types.js';
import { StatementsByFilter } from './filter.js';

type FailedFilter = Omit<DeliveryFilter, 'status'>;

export class SqliteDeliveryOperations {
  private readonly insertStmt;
  private readonly retryStmt;
  private readonly closeCircuitStmt;
  private readonly replayInsertStmt;
  private readonly unclaimStmt;
  private readonly releaseAllStmt;
  private readonly countFailedStmt;
  private readonly retryFailedStmt;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    this.retryStmt = db.prepare(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = @now, manual = 1, completed_at = NULL, updated_at = @now
       WHERE id = @id AND (locked_until IS NULL OR locked_until <= @now OR status <> 'pending')
       RETURNING subscription_id`,
    );
    this.closeCircuitStmt = db.prepare(`UPDATE subscriptions SET circuit_open_until = NULL WHERE id = ?`);
    // lead_key names the event's lead, so the check is one seek into deliveries_lead_order. Without
    // it SQLite read the subscription's whole pending queue for every row (deliveries_due by
    // subscription_id): a 20,000-event replay took 18 s, a 100,000-event one would have taken hours.
    this.replayInsertStmt = db.prepare(
      `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
       SELECT @id, @subscriptionId, @seq, @leadKey, 'pending', 0, @now, @now, @now
       WHERE NOT EXISTS (SELECT 1 FROM deliveries
                         WHERE subscription_id = @subscriptionId AND lead_key = @leadKey AND event_seq = @seq AND status = 'pending')`,
    );
    this.unclaimStmt = db.prepare(
      `UPDATE deliveries SET locked_until = NULL, attempts = max(attempts - 1, 0)
       WHERE id = ? AND lease_token = ? AND status = 'pending'`,
    );
    // Failed deliveries matching a filter: a range of deliveries_by_status (subscription_id, 'failed';
    // the status is written into the statement, filter.ts), checked row by row for the rest.
    // failedBy bounds the set to what the operator was shown.
    this.countFailedStmt = new StatementsByFilter(
      db,
      (where) => `SELECT count(*) AS n FROM (
         SELECT 1 FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE ${where} AND d.completed_at <= @failedBy LIMIT @limit)`,
    );
    // As retryStmt, for a batch: the status is checked again in the outer WHERE (a row the subquery
    // picked is still failed when it is written: one writer, one transaction, but said anyway).
    this.retryFailedStmt = new StatementsByFilter(
      db,
      (where) => `UPDATE deliveries SET status = 'pending', next_attempt_at = @now, manual = 1, completed_at = NULL, updated_at = @now
       WHERE status = 'failed' AND id IN (
         SELECT d.id FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE ${where} AND d.completed_at <= @failedBy ORDER BY d.id LIMIT @limit)`,
    );
    this.releaseAllStmt = db.prepare(`UPDATE deliveries SET locked_until = NULL WHERE status = 'pending' AND locked_until IS NOT NULL`);
  }

  retryNow(id: string, now: number): { subscriptionId: string } | undefined {
    return this.db.transaction(() => {
      const row = this.retryStmt.get({ id, now }) as { subscription_id: string } | undefined;
      if (!row) return undefined;
      this.closeCircuitStmt.run(row.subscription_id);
      return { subscriptionId: row.subscription_id };
    })();
  }

  countFailed(subscriptionId: string, filter: FailedFilter, failedBy: number, limit: number): number {
    const { stmt, params } = this.countFailedStmt.get({ ...filter, status: 'failed' });
    return (stmt.get({ ...params, subscriptionId, failedBy, limit }) as { n: number }).n;
  }

  retryFailed(subscriptionId: string, filter: FailedFilter, failedBy: number, now: number, limit: number): number {
    return this.db.transaction(() => {
      const { stmt, params } = this.retryFailedStmt.get({ ...filter, status: 'failed' });
      const n = stmt.run({ ...params, subscriptionId, failedBy, now, limit }).changes;
      if (n > 0) this.closeCircuitStmt.run(subscriptionId);
      return n;
    })();
  }

  insertPing(subscriptionId: string, event: OutboxEvent, deliveryId: string, now: number): void {
    this.db.transaction(() => {
      const seq = this.outbox.appendOne(event);
      this.insertStmt.run(deliveryId, subscriptionId, seq, `ping/${event.id}`, now, now, now);
    })();
  }

  requeue(subscriptionId: string, events: ReadonlyArray<Pick<StoredEvent, 'seq' | 'sourceId' | 'leadId'>>, newId: () => string, now: number): number {
    return this.db.transaction(() => {
      let queued = 0;
      for (const e of events) {
        queued += this.replayInsertStmt.run({ id: newId(), subscriptionId, seq: e.seq, leadKey: `${e.sourceId}/${e.leadId}`, now }).changes;
      }
      return queued;
    })();
  }

  release(id: string, leaseToken: number): void {
    this.unclaimStmt.run(id, leaseToken);
  }

  /** A single relay owns a SQLite file: at start, every lease was held by a process that is gone. */
  releaseLeasesAtStart(): number {
    return this.releaseAllStmt.run().changes;
  }
}
