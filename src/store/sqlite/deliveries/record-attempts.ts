// Outcomes: each finished attempt is appended to the attempt log and decides its delivery's next
// state and its subscription's health, with the claim's fencing token checked (an attempt whose
// lease ran out and was claimed again records nothing).
import type { Db } from '../db.js';
import { isStorageError } from '../../errors.js';
import type { HealthPolicy, RecordRequest } from '../../types.js';

export class SqliteRecordAttempts {
  private readonly finishStmt;
  private readonly insertAttemptStmt;
  private readonly healthStmt;
  private readonly autoDisableStmt;
  private readonly disableSubStmt;
  private readonly deleteGoneHookStmt;

  constructor(private readonly db: Db) {
    this.finishStmt = db.prepare(
      `UPDATE deliveries SET status = @status, next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at),
         locked_until = NULL, manual = 0, last_status_code = @statusCode, last_error = @error, updated_at = @now,
         completed_at = CASE WHEN @status = 'pending' THEN NULL ELSE @now END
       WHERE id = @id AND lease_token = @leaseToken`,
    );
    this.insertAttemptStmt = db.prepare(
      `INSERT INTO delivery_attempts (id, delivery_id, subscription_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, response_headers, next_attempt_at)
       VALUES (@id, @deliveryId, @subscriptionId, @attempt, @trigger, @startedAt, @durationMs, @statusCode, @error, @responseExcerpt, @responseHeaders, @nextAttemptAt)`,
    );
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
    this.disableSubStmt = db.prepare(
      `UPDATE subscriptions SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ? AND enabled = 1`,
    );
    // Deleting the row drops its deliveries and their attempts too (ON DELETE CASCADE).
    this.deleteGoneHookStmt = db.prepare(`DELETE FROM subscriptions WHERE id = ? AND origin = 'hook'`);
  }

  /**
   * Records finished attempts in the caller's transaction, each exactly as alone, in order. A commit
   * costs far more than the statements inside it (measured: ~0.2 ms per single-attempt transaction),
   * so attempts that finish together share one. Should the group fail, each is tried alone in a
   * savepoint of its own, so one bad record cannot take the others down. Per attempt: true, false
   * (the delivery is gone or claimed again since) or the error; storage errors are thrown.
   */
  run(batch: readonly RecordRequest[], health: HealthPolicy): Array<boolean | Error> {
    if (batch.length === 0) return [];
    try {
      return this.db.transaction(() => {
        // After a success a subscription's health is clean: a later success in the group need not say so again.
        const clean = new Set<string>();
        return batch.map((r) => this.recordOne(r, health, clean));
      })();
    } catch (groupError) {
      if (isStorageError(groupError)) throw groupError;
      if (batch.length === 1) return [asError(groupError)];
      return batch.map((r) => {
        try {
          return this.db.transaction(() => this.recordOne(r, health))();
        } catch (err) {
          if (isStorageError(err)) throw err;
          return asError(err);
        }
      });
    }
  }

  private recordOne({ attempt: a, subscriptionId, leaseToken, now }: RecordRequest, health: HealthPolicy, clean?: Set<string>): boolean {
    const updated = this.finishStmt.run({
      id: a.deliveryId,
      leaseToken,
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
      subscriptionId,
      attempt: a.attempt,
      trigger: a.trigger,
      startedAt: a.startedAt,
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
      responseHeaders: a.responseHeaders ? JSON.stringify(a.responseHeaders) : null,
      nextAttemptAt: a.nextAttemptAt,
    });
    const ok = a.outcome === 'succeeded';
    if (!ok || !clean?.has(subscriptionId)) {
      this.healthStmt.run({ id: subscriptionId, ok: ok ? 1 : 0, now, threshold: health.circuitBreakerAfter, cooldown: health.circuitBreakerCooldownMs });
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
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
