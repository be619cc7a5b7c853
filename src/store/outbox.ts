// The event outbox: immutable rows appended by sync, read by delivery fan-out and the event log.
import type { Db } from './db.js';
import type { EventType, OutboxEvent } from '../model.js';

export interface StoredEvent {
  seq: number;
  id: string;
  type: EventType;
  sourceId: string;
  leadId: string;
  createdAt: string;
  body: string;
}

interface EventRow {
  seq: number;
  id: string;
  type: EventType;
  source_id: string;
  lead_id: string;
  created_at: string;
  body: string;
}

export class OutboxStore {
  private readonly insertStmt;
  private readonly afterStmt;
  private readonly bySeqStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.afterStmt = db.prepare(`SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.bySeqStmt = db.prepare(`SELECT * FROM events WHERE seq = ?`);
  }

  /** Call inside the page transaction. */
  append(events: readonly OutboxEvent[]): void {
    for (const e of events) {
      this.insertStmt.run(e.id, e.type, e.sourceId, e.leadId, e.createdAt, JSON.stringify(e.body));
    }
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
