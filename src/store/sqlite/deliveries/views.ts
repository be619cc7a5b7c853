// Reads of the delivery queue: one delivery or a subscription's page with their attempt logs, the
// backlog per subscription, and when the next retry falls due.
import type { Db } from '../db.js';
import type { DeliveryFilter, DeliveryStatus, DeliveryView } from '../../types.js';
import { RARE_STATUS, StatementsByFilter } from './filter.js';

export class SqliteDeliveryViews {
  private readonly nextDueStmt;
  private readonly listStmt;
  private readonly attemptsStmt;
  private readonly getStmt;
  private readonly bodyStmt;
  private readonly pendingCountStmt;
  private readonly queueStmt;
  private readonly backlogStmt;

  constructor(db: Db) {
    this.backlogStmt = db.prepare(
      `SELECT count(*) AS n FROM events WHERE seq > coalesce((SELECT value FROM cursors WHERE name = 'fanout'), 0) AND type <> 'ping'`,
    );
    // Only future times matter: a row already due but not claimed is either waiting for capacity or
    // for an earlier event of its lead, and the attempt that frees either one wakes the worker.
    // One seek into deliveries_ready per enabled subscription (a leased row was due when claimed: its
    // next_attempt_at is not in the future).
    this.nextDueStmt = db.prepare(
      `SELECT min((SELECT min(d.next_attempt_at) FROM deliveries d
                   WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.locked_until IS NULL AND d.next_attempt_at > @now)) AS at
       FROM subscriptions s WHERE s.enabled = 1`,
    );
    // Keyset paging on id: deliveries_by_subscription_id, or deliveries_by_status with a pending or
    // failed status (filter.ts).
    this.listStmt = new StatementsByFilter(
      db,
      (where) => `SELECT d.*, e.id AS event_id, e.type AS event_type, e.source_id, e.lead_id FROM deliveries d
       JOIN events e ON e.seq = d.event_seq
       WHERE ${where} AND (@before IS NULL OR d.id < @before)
       ORDER BY d.id DESC LIMIT @limit`,
    );
    this.attemptsStmt = db.prepare(
      `SELECT * FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY attempt`,
    );
    this.getStmt = db.prepare(
      `SELECT d.*, e.id AS event_id, e.type AS event_type, e.source_id, e.lead_id FROM deliveries d
       JOIN events e ON e.seq = d.event_seq WHERE d.id = ?`,
    );
    this.bodyStmt = db.prepare(`SELECT e.body FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id = ?`);
    this.pendingCountStmt = db.prepare(
      `SELECT count(*) AS n FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled = 1
       WHERE d.status = 'pending'`,
    );
    // For /metrics at scrape time.
    // Counted from deliveries_by_status alone; the oldest is the first created, i.e. the smallest id
    // (ids are time-ordered), read by key: no index holds created_at by status (migration 17).
    this.queueStmt = db.prepare(
      `SELECT q.subscription_id, q.n, d.created_at AS oldest
       FROM (SELECT subscription_id, count(*) AS n, min(id) AS first FROM deliveries d INDEXED BY deliveries_by_status
             WHERE d.status = 'pending' AND ${RARE_STATUS} GROUP BY subscription_id) q
       JOIN deliveries d ON d.id = q.first`,
    );
  }

  nextDueAfter(now: number): number | null {
    return (this.nextDueStmt.get({ now }) as { at: number | null }).at;
  }

  fanOutBacklog(): number {
    return (this.backlogStmt.get() as { n: number }).n;
  }

  pendingCount(): number {
    return (this.pendingCountStmt.get() as { n: number }).n;
  }

  queueBySubscription(): Array<{ subscriptionId: string; pending: number; oldestCreatedAt: number }> {
    const rows = this.queueStmt.all() as Array<{ subscription_id: string; n: number; oldest: number }>;
    return rows.map((r) => ({ subscriptionId: r.subscription_id, pending: r.n, oldestCreatedAt: r.oldest }));
  }

  get(id: string): DeliveryView | undefined {
    const row = this.getStmt.get(id) as DeliveryRow | undefined;
    return row ? this.withAttempts([row])[0] : undefined;
  }

  body(id: string): string | undefined {
    return (this.bodyStmt.get(id) as { body: string } | undefined)?.body;
  }

  listForSubscription(subscriptionId: string, opts: DeliveryFilter & { before?: string; limit: number }): DeliveryView[] {
    const { before, limit, ...filter } = opts;
    const { stmt, params } = this.listStmt.get(filter);
    const rows = stmt.all({ ...params, subscriptionId, before: before ?? null, limit }) as DeliveryRow[];
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
        responseHeaders: parseHeaders(a.response_headers),
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
  response_headers: string | null;
  next_attempt_at: number | null;
}

/** The JSON the attempt log keeps response headers in ([[name, value], ...]); null when none were kept. */
function parseHeaders(json: string | null): Array<[string, string]> | null {
  if (json === null) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as Array<[string, string]>) : null;
  } catch {
    return null;
  }
}
