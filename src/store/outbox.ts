// The event outbox: immutable rows appended by sync, read by delivery fan-out and the event log.
import type { Db } from './db.js';
import type { OutboxEvent, WebhookType } from '../model.js';

export interface StoredEvent {
  seq: number;
  id: string;
  type: WebhookType;
  sourceId: string;
  leadId: string;
  createdAt: string;
  body: string;
}

export interface EventRow {
  seq: number;
  id: string;
  type: WebhookType;
  source_id: string;
  lead_id: string;
  created_at: string;
  body: string;
}

export class OutboxStore {
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly bySeqStmt;
  private readonly betweenStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.afterStmt = db.prepare(`SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.bySeqStmt = db.prepare(`SELECT * FROM events WHERE seq = ?`);
    this.betweenStmt = db.prepare(
      `SELECT * FROM events WHERE created_at >= ? AND created_at < ? AND type <> 'ping' ORDER BY seq LIMIT ?`,
    );
  }

  /** Call inside the page transaction. */
  append(events: readonly OutboxEvent[]): void {
    for (const e of events) {
      this.insertStmt.run(e.id, e.type, e.sourceId, e.leadId, e.createdAt, JSON.stringify(e.body));
    }
  }

  /** Appends one event and returns its seq. Call inside a transaction. */
  appendOne(e: OutboxEvent): number {
    return Number(this.insertStmt.run(e.id, e.type, e.sourceId, e.leadId, e.createdAt, JSON.stringify(e.body)).lastInsertRowid);
  }

  /** Detected changes (no test pings) created in [since, until), oldest first. */
  createdBetween(sinceIso: string, untilIso: string, limit: number): StoredEvent[] {
    return (this.betweenStmt.all(sinceIso, untilIso, limit) as EventRow[]).map(toStoredEvent);
  }

  after(seq: number, limit: number): StoredEvent[] {
    return (this.afterStmt.all(seq, limit) as EventRow[]).map(toStoredEvent);
  }

  bySeq(seq: number): StoredEvent | undefined {
    const row = this.bySeqStmt.get(seq) as EventRow | undefined;
    return row && toStoredEvent(row);
  }
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type,
    sourceId: r.source_id,
    leadId: r.lead_id,
    createdAt: r.created_at,
    body: r.body,
  };
}
