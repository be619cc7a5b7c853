// Reads of the delivery queue for the API, metrics and the worker's idle wait: one statement each,
// a delivery's attempt log included (json_agg) rather than fetched in a second round trip.
import type { DeliveryFilter, DeliveryStatus, DeliveryView } from '../../types.js';
import { num, numOrNull, type PgDb } from './client.js';
import { filterClause } from './filter.js';

const VIEW_COLUMNS = /* sql */ `
  d.id, d.subscription_id, d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
  d.created_at, d.updated_at, d.completed_at, e.id AS event_id, e.type AS event_type, e.source_id, e.lead_id,
  (SELECT coalesce(json_agg(json_build_object(
            'id', a.id, 'attempt', a.attempt, 'trigger', a.trigger, 'startedAt', a.started_at, 'durationMs', a.duration_ms,
            'statusCode', a.status_code, 'error', a.error, 'responseExcerpt', a.response_excerpt,
            'responseHeaders', a.response_headers::json, 'nextAttemptAt', a.next_attempt_at)
          ORDER BY a.attempt, a.id), '[]')
   -- COLLATE "default": delivery_id has the database's collation, d.id is "C"; compared under no
   -- collation (the two conflict), the equality could not use delivery_attempts_delivery, which
   -- has the column's, and each row's log was a sequential scan of every attempt.
   FROM delivery_attempts a WHERE a.delivery_id = d.id COLLATE "default") AS attempt_log`;

const GET = /* sql */ `SELECT ${VIEW_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id = $1`;

// Keyset paging on id (deliveries_by_subscription, or deliveries_by_status with a status); ids
// compare bytewise (the column is COLLATE "C"), as SQLite's BINARY collation does, whatever the
// database's locale. $1: limit, $2: before; the filter's from $3 (filter.ts).
const list = (where: string) => /* sql */ `
SELECT ${VIEW_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq
WHERE ${where} AND ($2::text IS NULL OR d.id < $2)
ORDER BY d.id DESC LIMIT $1::int`;

const PENDING_COUNT = /* sql */ `
SELECT count(*) AS n FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled
WHERE d.status = 'pending'`;

// For /metrics at scrape time: answered from a pending-only index (deliveries_lead_order: its subscription_id first).
const QUEUE = /* sql */ `
SELECT subscription_id, count(*) AS n, min(created_at) AS oldest FROM deliveries
WHERE status = 'pending' GROUP BY subscription_id ORDER BY subscription_id`;

// Only future times matter: a row already due but not claimed waits for capacity or for an earlier
// event of its lead, and the attempt that frees either wakes the worker. One seek into
// deliveries_due per enabled subscription.
const NEXT_DUE = /* sql */ `
SELECT min(n.at) AS at FROM subscriptions s
CROSS JOIN LATERAL (
  SELECT d.next_attempt_at AS at FROM deliveries d
  WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at > $1::bigint
  ORDER BY d.next_attempt_at LIMIT 1) n
WHERE s.enabled`;

interface ViewRow {
  id: string;
  subscription_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string | number;
  updated_at: string | number;
  completed_at: string | number | null;
  event_id: string;
  event_type: string;
  source_id: string;
  lead_id: string;
  attempt_log: DeliveryView['attemptLog'];
}

function toView(r: ViewRow): DeliveryView {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    sourceId: r.source_id,
    leadId: r.lead_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? num(r.next_attempt_at) : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    completedAt: numOrNull(r.completed_at),
    attemptLog: r.attempt_log,
  };
}

export function viewOps(db: PgDb) {
  return {
    async get(id: string): Promise<DeliveryView | undefined> {
      const res = await db.query<ViewRow>({ text: GET, values: [id] });
      return res.rows[0] && toView(res.rows[0]);
    },

    async body(id: string): Promise<string | undefined> {
      const res = await db.query<{ body: string }>({ text: 'SELECT e.body FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id = $1', values: [id] });
      return res.rows[0]?.body;
    },

    async listForSubscription(subscriptionId: string, opts: DeliveryFilter & { before?: string; limit: number }): Promise<DeliveryView[]> {
      const { before, limit, ...filter } = opts;
      const { where, values, key } = filterClause(subscriptionId, filter, 3);
      const res = await db.query<ViewRow>({ name: `lr_dlv_list_${key}`, text: list(where), values: [limit, before ?? null, ...values] });
      return res.rows.map(toView);
    },

    async pendingCount(): Promise<number> {
      const res = await db.query<{ n: string | number }>({ text: PENDING_COUNT });
      return num(res.rows[0]!.n);
    },

    async fanOutBacklog(): Promise<number> {
      const res = await db.query<{ n: string | number }>({ text: 'SELECT count(*) AS n FROM fanout_pending' });
      return num(res.rows[0]!.n);
    },

    async queueBySubscription(): Promise<Array<{ subscriptionId: string; pending: number; oldestCreatedAt: number }>> {
      const res = await db.query<{ subscription_id: string; n: string | number; oldest: string | number }>({ text: QUEUE });
      return res.rows.map((r) => ({ subscriptionId: r.subscription_id, pending: num(r.n), oldestCreatedAt: num(r.oldest) }));
    },

    async nextDueAfter(now: number): Promise<number | null> {
      const res = await db.query<{ at: string | number | null }>({ name: 'lr_dlv_next_due', text: NEXT_DUE, values: [now] });
      return numOrNull(res.rows[0]!.at);
    },
  };
}
