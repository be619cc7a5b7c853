// What operators and shutdown do to single deliveries: retry now, a test ping, replay (requeue) and
// giving a claim back. Each is one statement (its own transaction) except requeue.
import type { OutboxEvent } from '../../../model.js';
import type { ClaimedDelivery, DeliveryFilter, StoredEvent } from '../../types.js';
import { num, retrying, transaction, type PgDb } from './client.js';
import { filterClause } from './filter.js';

type FailedFilter = Omit<DeliveryFilter, 'status'>;

// Due at once, marked manual, unless an attempt is in flight (a live lease); the subscription's
// circuit closes in the same statement. Deliveries first, then the subscription: the order turns
// lock rows in (record-attempts.ts), so the two cannot deadlock.
const RETRY = /* sql */ `
WITH d AS (
  UPDATE deliveries SET status = 'pending', next_attempt_at = $2::bigint, manual = true, completed_at = NULL, updated_at = $2::bigint
  WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2::bigint OR status <> 'pending')
  RETURNING subscription_id
),
s AS (UPDATE subscriptions SET circuit_open_until = NULL WHERE id IN (SELECT subscription_id FROM d) RETURNING id)
SELECT subscription_id FROM d`;

// The ping event is not queued in fanout_pending: it has its one delivery already.
const PING = /* sql */ `
WITH e AS (
  INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq
)
INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
SELECT $7, $8, e.seq, 'ping/' || $1, 'pending', 0, $9::bigint, $9::bigint, $9::bigint FROM e`;

// Two requeues of one subscription at once (two operators, two replicas) must not both queue the
// same event: the subscription row is locked first, and the insert, a statement of its own with a
// snapshot taken after the lock, sees what the other one committed. DISTINCT ON: an event listed
// twice is queued once, as SQLite's row-by-row insert does.
const LOCK_SUBSCRIPTION = /* sql */ `SELECT id FROM subscriptions WHERE id = $1 FOR NO KEY UPDATE`;
const REQUEUE = /* sql */ `
INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at)
SELECT u.id, $1, u.seq, u.lead_key, 'pending', 0, $5::bigint, $5::bigint, $5::bigint
FROM (SELECT DISTINCT ON (seq, lead_key) * FROM unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS u(id, seq, lead_key, ord)
      ORDER BY seq, lead_key, ord) u
WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.subscription_id = $1 AND d.lead_key = u.lead_key AND d.event_seq = u.seq AND d.status = 'pending')`;

// A subscription's failed deliveries matching a filter, failed by $2 (what the operator was shown):
// a range of deliveries_by_status. $1: limit, $2: failedBy; the filter's from $3 (filter.ts).
const countFailed = (where: string) => /* sql */ `
SELECT count(*) AS n FROM (
  SELECT 1 FROM deliveries d JOIN events e ON e.seq = d.event_seq
  WHERE ${where} AND d.completed_at <= $2::bigint LIMIT $1::int) x`;

// RETRY for a batch, in one statement. status = 'failed' again in the outer WHERE: a row that a
// concurrent bulk retry (another operator, another replica) re-queued first is re-checked after its
// lock (READ COMMITTED) and skipped, so each failed delivery is re-queued once. The circuit closes
// when any row was. $1: limit, $2: failedBy, $3: now; the filter's from $4.
const retryFailed = (where: string) => /* sql */ `
WITH d AS (
  UPDATE deliveries SET status = 'pending', next_attempt_at = $3::bigint, manual = true, completed_at = NULL, updated_at = $3::bigint
  WHERE status = 'failed' AND id IN (
    SELECT d.id FROM deliveries d JOIN events e ON e.seq = d.event_seq
    WHERE ${where} AND d.completed_at <= $2::bigint ORDER BY d.id LIMIT $1::int)
  RETURNING subscription_id
),
s AS (UPDATE subscriptions SET circuit_open_until = NULL WHERE id IN (SELECT subscription_id FROM d) RETURNING id)
SELECT count(*) AS n FROM d`;

// Attempts - 1: the attempt never happened. Only with the claim's token (a claim taken over since
// is not this caller's to give back).
const RELEASE = /* sql */ `
WITH d AS (
  UPDATE deliveries SET locked_until = NULL, attempts = greatest(attempts - 1, 0)
  WHERE id = $1 AND lease_token = $2::bigint AND status = 'pending'
  RETURNING id, subscription_id
)
DELETE FROM delivery_leases dl USING d WHERE dl.subscription_id = d.subscription_id AND dl.delivery_id = d.id`;

export function operatorOps(db: PgDb) {
  return {
    async retryNow(id: string, now: number): Promise<{ subscriptionId: string } | undefined> {
      const res = await retrying(() => db.query<{ subscription_id: string }>({ text: RETRY, values: [id, now] }));
      const row = res.rows[0];
      return row ? { subscriptionId: row.subscription_id } : undefined;
    },

    async countFailed(subscriptionId: string, filter: FailedFilter, failedBy: number, limit: number): Promise<number> {
      const { where, values, key } = filterClause(subscriptionId, { ...filter, status: 'failed' }, 3);
      const res = await db.query<{ n: string | number }>({ name: `lr_dlv_count_failed_${key}`, text: countFailed(where), values: [limit, failedBy, ...values] });
      return num(res.rows[0]!.n);
    },

    async retryFailed(subscriptionId: string, filter: FailedFilter, failedBy: number, now: number, limit: number): Promise<number> {
      const { where, values, key } = filterClause(subscriptionId, { ...filter, status: 'failed' }, 4);
      const res = await retrying(() =>
        db.query<{ n: string | number }>({ name: `lr_dlv_retry_failed_${key}`, text: retryFailed(where), values: [limit, failedBy, now, ...values] }),
      );
      return num(res.rows[0]!.n);
    },

    async insertPing(subscriptionId: string, event: OutboxEvent, deliveryId: string, now: number): Promise<void> {
      await db.query({
        text: PING,
        values: [event.id, event.type, event.sourceId, event.leadId, event.createdAt, JSON.stringify(event.body), deliveryId, subscriptionId, now],
      });
    },

    async requeue(
      subscriptionId: string,
      events: ReadonlyArray<Pick<StoredEvent, 'seq' | 'sourceId' | 'leadId'>>,
      newId: () => string,
      now: number,
    ): Promise<number> {
      if (events.length === 0) return 0;
      const ids = events.map(() => newId());
      return transaction(db, async (client) => {
        await client.query({ text: LOCK_SUBSCRIPTION, values: [subscriptionId] });
        const res = await client.query({
          text: REQUEUE,
          values: [subscriptionId, ids, events.map((e) => e.seq), events.map((e) => `${e.sourceId}/${e.leadId}`), now],
        });
        return res.rowCount ?? 0;
      });
    },

    async release(c: Pick<ClaimedDelivery, 'id' | 'leaseToken'>): Promise<void> {
      await db.query({ text: RELEASE, values: [c.id, c.leaseToken] });
    },

    /**
     * Nothing to void: other replicas' leases are live, and this replica's from before a restart
     * run out by themselves (locked_until), after which any replica claims those deliveries.
     */
    async releaseLeasesAtStart(_replicaId: string): Promise<number> {
      return 0;
    },
  };
}
