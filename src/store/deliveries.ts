// The delivery queue: rows are the queue (claim with a lease and attempts + 1 in one statement),
// plus the append-only attempt log.
import type { AttemptRecord, ClaimedDelivery, DeliveryStatus, DeliveryView, EventHead, HealthPolicy, NewDeliveryIds, RecordRequest, StoredEvent, Subscription } from './types.js';
export type { AttemptRecord, ClaimedDelivery, DeliveryStatus, DeliveryView, HealthPolicy, NewDeliveryIds, RecordRequest } from './types.js';
import type { Db } from './db.js';
import type { OutboxStore } from './outbox.js';
import type { OutboxEvent } from '../model.js';
import { isStorageError } from './errors.js';


export class DeliveryStore {
  private readonly fanoutCursorStmt;
  private readonly setFanoutCursorStmt;
  private readonly insertStmt;
  private readonly claimStmt;
  private readonly finishStmt;
  private readonly insertAttemptStmt;
  private readonly disableSubStmt;
  private readonly deleteGoneHookStmt;
  private readonly nextDueStmt;
  private readonly releaseStmt;
  private readonly listStmt;
  private readonly attemptsStmt;
  private readonly getStmt;
  private readonly pendingCountStmt;
  private readonly queueStmt;
  private readonly unclaimStmt;
  private readonly healthStmt;
  private readonly autoDisableStmt;
  private readonly retryStmt;
  private readonly closeCircuitStmt;
  private readonly replayInsertStmt;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
  ) {
    this.fanoutCursorStmt = db.prepare(`SELECT value FROM cursors WHERE name = 'fanout'`);
    this.setFanoutCursorStmt = db.prepare(
      `INSERT INTO cursors (name, value) VALUES ('fanout', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    this.insertStmt = db.prepare(
      `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    // Only the head of each (subscription, lead) queue is claimable: a lead's events go out in
    // detection order, while different leads proceed concurrently.
    this.claimStmt = db.prepare(
      `UPDATE deliveries SET attempts = attempts + 1, locked_until = @leaseUntil, updated_at = @now
       WHERE rowid IN (
         SELECT d.rowid FROM deliveries d
         WHERE d.subscription_id = @subscriptionId AND d.status = 'pending'
           AND d.next_attempt_at <= @now AND (d.locked_until IS NULL OR d.locked_until <= @now)
           AND NOT EXISTS (
             SELECT 1 FROM deliveries p
             WHERE p.subscription_id = d.subscription_id AND p.lead_key = d.lead_key
               AND p.status = 'pending' AND p.event_seq < d.event_seq)
         ORDER BY d.next_attempt_at, d.event_seq
         LIMIT @limit)
       RETURNING id, subscription_id, event_seq, attempts, manual`,
    );
    this.finishStmt = db.prepare(
      `UPDATE deliveries SET status = @status, next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at),
         locked_until = NULL, manual = 0, last_status_code = @statusCode, last_error = @error, updated_at = @now,
         completed_at = CASE WHEN @status = 'pending' THEN NULL ELSE @now END
       WHERE id = @id`,
    );
    this.insertAttemptStmt = db.prepare(
      `INSERT INTO delivery_attempts (id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, next_attempt_at)
       VALUES (@id, @deliveryId, @attempt, @trigger, @startedAt, @durationMs, @statusCode, @error, @responseExcerpt, @nextAttemptAt)`,
    );
    this.disableSubStmt = db.prepare(
      `UPDATE subscriptions SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ? AND enabled = 1`,
    );
    // Deleting the row drops its deliveries and their attempts too (ON DELETE CASCADE).
    this.deleteGoneHookStmt = db.prepare(`DELETE FROM subscriptions WHERE id = ? AND origin = 'hook'`);
    // Concurrent attempts of one subscription all land here, so health is counted in SQL, not from
    // a snapshot the worker read earlier. The circuit opens for the cooldown at the threshold;
    // failures of attempts already in flight don't extend it; each failed probe (an attempt made
    // once the pause ended) doubles it, up to 32 times. (SQLite evaluates every SET from the old row.)
    this.healthStmt = db.prepare(
      `UPDATE subscriptions SET
         consecutive_failures = CASE WHEN @ok THEN 0 ELSE consecutive_failures + 1 END,
         failing_since = CASE WHEN @ok THEN NULL ELSE coalesce(failing_since, @now) END,
         circuit_open_until = CASE
           WHEN @ok THEN NULL
           WHEN circuit_open_until > @now THEN circuit_open_until
           WHEN circuit_open_until IS NOT NULL THEN @now + @cooldown * (1 << min(5, circuit_failed_probes + 1))
           WHEN consecutive_failures + 1 >= @threshold THEN @now + @cooldown
           ELSE NULL END,
         circuit_failed_probes = CASE
           WHEN @ok OR circuit_open_until IS NULL THEN 0
           WHEN circuit_open_until <= @now THEN circuit_failed_probes + 1
           ELSE circuit_failed_probes END
       WHERE id = @id
         -- A success on a healthy endpoint changes nothing: skip the write (the common case).
         AND NOT (@ok AND consecutive_failures = 0 AND failing_since IS NULL AND circuit_open_until IS NULL
                  AND circuit_failed_probes = 0)`,
    );
    this.autoDisableStmt = db.prepare(
      `UPDATE subscriptions SET enabled = 0, disabled_at = @now, updated_at = @nowIso,
         disabled_reason = 'every attempt failed for more than ' || @afterText || ' (since ' ||
           strftime('%Y-%m-%dT%H:%M:%SZ', failing_since / 1000, 'unixepoch') || ')'
       WHERE id = @id AND enabled = 1 AND failing_since IS NOT NULL AND @now - failing_since >= @after`,
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
    // Only future times matter: a row already due but not claimed is either waiting for capacity or
    // for an earlier event of its lead, and the attempt that frees either one wakes the worker.
    // One seek into deliveries_due per enabled subscription.
    this.nextDueStmt = db.prepare(
      `SELECT min((SELECT min(d.next_attempt_at) FROM deliveries d
                   WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at > @now)) AS at
       FROM subscriptions s WHERE s.enabled = 1`,
    );
    this.releaseStmt = db.prepare(`UPDATE deliveries SET locked_until = NULL WHERE status = 'pending' AND locked_until IS NOT NULL`);
    this.listStmt = db.prepare(
      `SELECT d.*, e.id AS event_id, e.type AS event_type, e.source_id, e.lead_id FROM deliveries d
       JOIN events e ON e.seq = d.event_seq
       WHERE d.subscription_id = @subscriptionId AND (@status IS NULL OR d.status = @status)
         AND (@before IS NULL OR d.id < @before)
       ORDER BY d.id DESC LIMIT @limit`,
    );
    this.attemptsStmt = db.prepare(
      `SELECT * FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY attempt`,
    );
    this.getStmt = db.prepare(
      `SELECT d.*, e.id AS event_id, e.type AS event_type, e.source_id, e.lead_id FROM deliveries d
       JOIN events e ON e.seq = d.event_seq WHERE d.id = ?`,
    );
    this.pendingCountStmt = db.prepare(
      `SELECT count(*) AS n FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled = 1
       WHERE d.status = 'pending'`,
    );
    // For /metrics at scrape time: the pending part of deliveries_due answers the count.
    this.queueStmt = db.prepare(
      `SELECT subscription_id, count(*) AS n, min(created_at) AS oldest FROM deliveries
       WHERE status = 'pending' GROUP BY subscription_id`,
    );
    this.unclaimStmt = db.prepare(
      `UPDATE deliveries SET locked_until = NULL, attempts = max(attempts - 1, 0) WHERE id = ? AND status = 'pending'`,
    );
  }

  /**
   * Turns outbox events not yet fanned out into one delivery per matching enabled subscription,
   * advancing the fan-out cursor in the same transaction. Returns how many events it consumed.
   */
  fanOut(
    match: (event: EventHead, sub: Subscription) => boolean,
    subscriptions: () => Subscription[],
    newId: () => string,
    now: number,
    limit: number,
  ): number {
    return this.db.transaction(() => {
      const cursor = (this.fanoutCursorStmt.get() as { value: number } | undefined)?.value ?? 0;
      const events = this.outbox.headsAfter(cursor, limit);
      if (events.length === 0) return 0;
      const subs = subscriptions().filter((s) => s.enabled);
      for (const event of events) {
        if (event.type === 'ping') continue; // a test send already has its one delivery
        for (const sub of subs) {
          if (!match(event, sub)) continue;
          this.insertStmt.run(newId(), sub.id, event.seq, `${event.sourceId}/${event.leadId}`, now, now, now);
        }
      }
      this.setFanoutCursorStmt.run(events.at(-1)!.seq);
      return events.length;
    })();
  }

  /** Runs fn in one transaction: the claims it makes (one per subscription) share one commit. */
  together<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Claims up to `limit` due deliveries of one subscription, leasing them until leaseUntil. */
  claim(subscriptionId: string, limit: number, now: number, leaseUntil: number): ClaimedDelivery[] {
    if (limit <= 0) return [];
    // Inside together() the caller's transaction covers it (no savepoint per subscription).
    if (this.db.inTransaction) return this.claimRows(subscriptionId, limit, now, leaseUntil);
    return this.db.transaction(() => this.claimRows(subscriptionId, limit, now, leaseUntil))();
  }

  private claimRows(subscriptionId: string, limit: number, now: number, leaseUntil: number): ClaimedDelivery[] {
    const rows = this.claimStmt.all({ subscriptionId, limit, now, leaseUntil }) as Array<{
      id: string;
      subscription_id: string;
      event_seq: number;
      attempts: number;
      manual: number;
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
      leaseToken: 0,
    }));
  }

  /**
   * Records an attempt and its consequence on the delivery (and subscription) atomically.
   * Returns false when the delivery no longer exists (its subscription was deleted meanwhile).
   */
  recordAttempt(a: AttemptRecord, subscriptionId: string, now: number, health: HealthPolicy): boolean {
    return this.db.transaction(() => this.recordOne({ attempt: a, subscriptionId, now, leaseToken: 0 }, health))();
  }

  /**
   * Records several finished attempts in one transaction (a group commit), each exactly as
   * recordAttempt would, in order. A commit costs far more than the statements inside it (measured:
   * ~0.2 ms per single-attempt transaction on the benchmark machine), so attempts that finish
   * together share one. Should the group fail, each attempt is tried alone, so one bad record
   * cannot take the others down with it. Per attempt: true, false (delivery gone) or the error.
   */
  recordAttempts(batch: readonly RecordRequest[], health: HealthPolicy): Array<boolean | Error> {
    if (batch.length === 0) return [];
    try {
      return this.db.transaction(() => {
        // After a success a subscription's health is clean: a later success in the group need not say so again.
        const clean = new Set<string>();
        return batch.map((r) => this.recordOne(r, health, clean));
      })();
    } catch (groupError) {
      // A full or unwritable database fails every record alike: the caller keeps the outcomes and
      // tries again later, instead of dropping them one by one.
      if (isStorageError(groupError)) throw groupError;
      if (batch.length === 1) return [asError(groupError)];
      return batch.map((r) => {
        try {
          return this.recordAttempt(r.attempt, r.subscriptionId, r.now, health);
        } catch (err) {
          if (isStorageError(err)) throw err;
          return asError(err);
        }
      });
    }
  }

  /** One attempt's writes; the caller holds the transaction. */
  private recordOne({ attempt: a, subscriptionId, now }: RecordRequest, health: HealthPolicy, clean?: Set<string>): boolean {
    const updated = this.finishStmt.run({
      id: a.deliveryId,
      status: a.outcome === 'retry' ? 'pending' : a.outcome,
      nextAttemptAt: a.nextAttemptAt,
      statusCode: a.statusCode,
      error: a.error,
      now,
    }).changes;
    if (updated === 0) return false;
    this.insertAttemptStmt.run({
      id: a.id,
      deliveryId: a.deliveryId,
      attempt: a.attempt,
      trigger: a.trigger,
      startedAt: a.startedAt,
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
      nextAttemptAt: a.nextAttemptAt,
    });
    const ok = a.outcome === 'succeeded';
    if (!ok || !clean?.has(subscriptionId)) {
      this.healthStmt.run({
        id: subscriptionId,
        ok: ok ? 1 : 0,
        now,
        threshold: health.circuitBreakerAfter,
        cooldown: health.circuitBreakerCooldownMs,
      });
    }
    if (ok) clean?.add(subscriptionId);
    else clean?.delete(subscriptionId);
    if (a.disableSubscription) {
      const hookRemoved = a.statusCode === 410 && this.deleteGoneHookStmt.run(subscriptionId).changes > 0;
      if (!hookRemoved) this.disableSubStmt.run(a.disableSubscription, now, new Date(now).toISOString(), subscriptionId);
    } else if (a.outcome !== 'succeeded') {
      this.autoDisableStmt.run({
        id: subscriptionId,
        now,
        nowIso: new Date(now).toISOString(),
        after: health.autoDisableAfterMs,
        afterText: health.autoDisableAfterText,
      });
    }
    return true;
  }

  /**
   * An operator's "send it again now": a pending or finished delivery becomes due at once, and its
   * subscription's circuit closes so the attempt is not held back. Undefined when the delivery is
   * unknown or an attempt of it is in flight.
   */
  retryNow(id: string, now: number): { subscriptionId: string } | undefined {
    return this.db.transaction(() => {
      const row = this.retryStmt.get({ id, now }) as { subscription_id: string } | undefined;
      if (!row) return undefined;
      this.closeCircuitStmt.run(row.subscription_id);
      return { subscriptionId: row.subscription_id };
    })();
  }

  /** A test send: the ping event and its one delivery, to this subscription only. */
  insertPing(subscriptionId: string, event: OutboxEvent, deliveryId: string, now: number): void {
    this.db.transaction(() => {
      const seq = this.outbox.appendOne(event);
      this.insertStmt.run(deliveryId, subscriptionId, seq, `ping/${event.id}`, now, now, now);
    })();
  }

  /**
   * Queues the given events again for one subscription (same event ids, so receivers de-duplicate),
   * skipping those already pending for it. Returns how many were queued.
   */
  requeue(subscriptionId: string, events: ReadonlyArray<Pick<StoredEvent, 'seq' | 'sourceId' | 'leadId'>>, newId: () => string, now: number): number {
    return this.db.transaction(() => {
      let queued = 0;
      for (const e of events) {
        queued += this.replayInsertStmt.run({
          id: newId(),
          subscriptionId,
          seq: e.seq,
          leadKey: `${e.sourceId}/${e.leadId}`,
          now,
        }).changes;
      }
      return queued;
    })();
  }

  /** Gives back a claimed delivery without counting the attempt (it was cut short by shutdown). */
  release(id: string): void {
    this.unclaimStmt.run(id);
  }

  /** Earliest future time a pending delivery of an enabled subscription becomes due, if any. */
  nextDueAfter(now: number): number | null {
    return (this.nextDueStmt.get({ now }) as { at: number | null }).at;
  }

  /** At start-up: leases held by a process that died are void (a single relay owns the database). */
  releaseLeases(): number {
    return this.releaseStmt.run().changes;
  }

  /** Deliveries still to send to enabled subscriptions. */
  pendingCount(): number {
    return (this.pendingCountStmt.get() as { n: number }).n;
  }

  /** Pending deliveries per subscription (enabled or not) and when the oldest of them was created. */
  queueBySubscription(): Array<{ subscriptionId: string; pending: number; oldestCreatedAt: number }> {
    const rows = this.queueStmt.all() as Array<{ subscription_id: string; n: number; oldest: number }>;
    return rows.map((r) => ({ subscriptionId: r.subscription_id, pending: r.n, oldestCreatedAt: r.oldest }));
  }

  get(id: string): DeliveryView | undefined {
    const row = this.getStmt.get(id) as DeliveryRow | undefined;
    if (!row) return undefined;
    return this.withAttempts([row])[0];
  }

  /** Newest first; `before` is the id of the last delivery of the previous page. */
  listForSubscription(
    subscriptionId: string,
    opts: { status?: DeliveryStatus; before?: string; limit: number },
  ): DeliveryView[] {
    const rows = this.listStmt.all({
      subscriptionId,
      status: opts.status ?? null,
      before: opts.before ?? null,
      limit: opts.limit,
    }) as DeliveryRow[];
    return this.withAttempts(rows);
  }

  private withAttempts(rows: DeliveryRow[]): DeliveryView[] {
    const attempts = this.attemptsStmt.all(JSON.stringify(rows.map((r) => r.id))) as AttemptRow[];
    const byDelivery = new Map<string, AttemptRow[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push(a);
      byDelivery.set(a.delivery_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      eventType: r.event_type,
      sourceId: r.source_id,
      leadId: r.lead_id,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      completedAt: r.completed_at,
      attemptLog: (byDelivery.get(r.id) ?? []).map((a) => ({
        id: a.id,
        attempt: a.attempt,
        trigger: a.trigger,
        startedAt: a.started_at,
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        responseExcerpt: a.response_excerpt,
        nextAttemptAt: a.next_attempt_at,
      })),
    }));
  }
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  event_id: string;
  event_type: string;
  source_id: string;
  lead_id: string;
}

interface AttemptRow {
  id: string;
  delivery_id: string;
  attempt: number;
  trigger: 'scheduled' | 'manual';
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  next_attempt_at: number | null;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
