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

/** An event without its body. */
export type EventHead = Pick<StoredEvent, 'seq' | 'type' | 'sourceId' | 'leadId'>;

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
  private readonly headsAfterStmt;
  private readonly bySeqStmt;
  private readonly bySeqsStmt;
  private readonly betweenStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.headsAfterStmt = db.prepare(`SELECT seq, type, source_id, lead_id FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.bySeqStmt = db.prepare(`SELECT * FROM events WHERE seq = ?`);
    this.bySeqsStmt = db.prepare(`SELECT * FROM events WHERE seq IN (SELECT value FROM json_each(?))`);
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

  /** What fan-out needs of the events after `seq`: no bodies (~1 KB each, read again only to send). */
  headsAfter(seq: number, limit: number): EventHead[] {
    return (this.headsAfterStmt.all(seq, limit) as Array<Pick<EventRow, 'seq' | 'type' | 'source_id' | 'lead_id'>>).map((r) => ({
      seq: r.seq,
      type: r.type,
      sourceId: r.source_id,
      leadId: r.lead_id,
    }));
  }

  bySeq(seq: number): StoredEvent | undefined {
    const row = this.bySeqStmt.get(seq) as EventRow | undefined;
    return row && toStoredEvent(row);
  }

  /** Several events in one read, by seq. */
  bySeqs(seqs: readonly number[]): Map<number, StoredEvent> {
    if (seqs.length === 1) {
      const one = this.bySeq(seqs[0]!);
      return new Map(one ? [[one.seq, one]] : []);
    }
    const rows = this.bySeqsStmt.all(JSON.stringify(seqs)) as EventRow[];
    return new Map(rows.map((r) => [r.seq, toStoredEvent(r)]));
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
