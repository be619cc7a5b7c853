// Claims: due deliveries of one subscription leased to this attempt, attempts + 1 and a new fencing
// token in one statement. Only the head of each (subscription, lead) queue is claimable, so a lead's
// events go out in detection order while different leads proceed concurrently.
import type { Db } from '../db.js';
import type { OutboxStore } from '../outbox.js';
import type { ClaimedDelivery } from '../../types.js';

export class SqliteClaim {
  private readonly gateStmt;
  private readonly claimStmt;

  constructor(
    db: Db,
    private readonly outbox: OutboxStore,
  ) {
    // What the subscription row allows right now: enabled, circuit not open (once its pause is over,
    // one probe at a time), and its maxConcurrency counted over leases actually held.
    this.gateStmt = db.prepare(
      `SELECT s.enabled, s.circuit_open_until, s.max_concurrency,
         CASE WHEN s.max_concurrency IS NULL AND s.circuit_open_until IS NULL THEN 0
              ELSE (SELECT count(*) FROM deliveries d INDEXED BY deliveries_leased
                    WHERE d.subscription_id = s.id AND d.locked_until IS NOT NULL AND d.locked_until > @now) END AS leased
       FROM subscriptions s WHERE s.id = @subscriptionId`,
    );
    // The heads of each lead's queue (no pending delivery of the same lead with a smaller event_seq),
    // due and not leased (deliveries_ready), oldest due first; and, should any lease have run out (its
    // process died mid-attempt), those rows too, through deliveries_leased: normally one empty seek.
    const headOfLead = `NOT EXISTS (
             SELECT 1 FROM deliveries p
             WHERE p.subscription_id = d.subscription_id AND p.lead_key = d.lead_key
               AND p.status = 'pending' AND p.event_seq < d.event_seq)`;
    this.claimStmt = db.prepare(
      `UPDATE deliveries SET attempts = attempts + 1, locked_until = @leaseUntil, lease_token = lease_token + 1, updated_at = @now
       WHERE rowid IN (
         SELECT id FROM (
           SELECT * FROM (
             SELECT d.rowid AS id, d.next_attempt_at AS at, d.event_seq AS seq FROM deliveries d INDEXED BY deliveries_ready
             WHERE d.subscription_id = @subscriptionId AND d.status = 'pending' AND d.locked_until IS NULL
               AND d.next_attempt_at <= @now AND ${headOfLead}
             ORDER BY d.next_attempt_at, d.event_seq LIMIT @limit)
           UNION ALL
           SELECT * FROM (
             SELECT d.rowid AS id, d.next_attempt_at AS at, d.event_seq AS seq FROM deliveries d INDEXED BY deliveries_leased
             WHERE d.subscription_id = @subscriptionId AND d.locked_until IS NOT NULL AND d.locked_until <= @now
               AND d.status = 'pending' AND d.next_attempt_at <= @now AND ${headOfLead}
             ORDER BY d.next_attempt_at, d.event_seq LIMIT @limit))
         ORDER BY at, seq LIMIT @limit)
       RETURNING id, subscription_id, event_seq, attempts, manual, lease_token`,
    );
  }

  /** Claims up to `limit` due deliveries of one subscription, leasing them until leaseUntil. Call inside a transaction. */
  run(subscriptionId: string, wanted: number, now: number, leaseUntil: number): ClaimedDelivery[] {
    const limit = this.allowed(subscriptionId, wanted, now);
    if (limit <= 0) return [];
    const rows = this.claimStmt.all({ subscriptionId, limit, now, leaseUntil }) as Array<{
      id: string;
      subscription_id: string;
      event_seq: number;
      attempts: number;
      manual: number;
      lease_token: number;
    }>;
    if (rows.length === 0) return [];
    // One read for the whole batch's bodies, not one per row.
    const events = this.outbox.bySeqs(rows.map((r) => r.event_seq));
    return rows.map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      attempt: r.attempts,
      manual: r.manual === 1,
      event: events.get(r.event_seq)!,
      leaseToken: r.lease_token,
    }));
  }

  private allowed(subscriptionId: string, wanted: number, now: number): number {
    if (wanted <= 0) return 0;
    const gate = this.gateStmt.get({ subscriptionId, now }) as
      | { enabled: number; circuit_open_until: number | null; max_concurrency: number | null; leased: number }
      | undefined;
    if (!gate || gate.enabled !== 1) return 0;
    let limit = wanted;
    if (gate.circuit_open_until !== null) {
      if (gate.circuit_open_until > now) return 0;
      limit = 1 - gate.leased; // half-open: one probe at a time
    }
    if (gate.max_concurrency !== null) limit = Math.min(limit, gate.max_concurrency - gate.leased);
    return limit;
  }
}
