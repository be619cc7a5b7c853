// The event log read side (GET /v1/events): outbox rows newest first, filtered, paged by seq.
import type { Db } from './db.js';
import { toStoredEvent, type EventRow, type StoredEvent } from './outbox.js';

export interface EventLogFilter {
  /** Any of these types (none: all). */
  types?: readonly string[];
  sourceId?: string;
  /** A lead id; without sourceId it matches that id in every source. */
  leadId?: string;
  /** ISO 8601 UTC as written by toISOString(): created_at >= since. */
  since?: string;
  /** ISO 8601 UTC as written by toISOString(): created_at < until. */
  until?: string;
  /** Only events older than this seq (the last seq of the previous page). */
  beforeSeq?: number;
  limit: number;
}

export class EventLogStore {
  // One statement per combination of filters present (at most 2^6 shapes), each prepared the first
  // time it is used. A single statement with `(@x IS NULL OR col = @x)` terms would keep SQLite
  // from using events_lead and events_created_at at all.
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {}

  /** Newest first (seq descending). */
  list(f: EventLogFilter): StoredEvent[] {
    const params: Record<string, unknown> = { limit: f.limit };
    const where: string[] = [];
    if (f.leadId !== undefined) {
      params.lead = f.leadId;
      if (f.sourceId !== undefined) {
        params.source = f.sourceId;
        // events_lead (source_id, lead_id, seq) walked backwards from the cursor: no sort at all.
        where.push('source_id = @source AND lead_id = @lead');
      } else {
        // No index starts with lead_id, but every event's source is a row of `sources` (rows are
        // never removed), so this becomes one events_lead range per source, merged by a small sort.
        where.push('source_id IN (SELECT id FROM sources) AND lead_id = @lead');
      }
    } else if (f.sourceId !== undefined) {
      params.source = f.sourceId;
      where.push('source_id = @source');
    }
    if (f.types !== undefined) {
      params.types = JSON.stringify(f.types);
      where.push('type IN (SELECT value FROM json_each(@types))');
    }
    if (f.since !== undefined) {
      params.since = f.since;
      where.push('created_at >= @since');
    }
    if (f.until !== undefined) {
      params.until = f.until;
      where.push('created_at < @until');
    }
    if (f.beforeSeq !== undefined) {
      params.before = f.beforeSeq;
      where.push('seq < @before');
    }
    const key = where.join(' AND ');
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT * FROM events ${where.length ? `WHERE ${key}` : ''} ORDER BY seq DESC LIMIT @limit`,
      );
      this.statements.set(key, stmt);
    }
    return (stmt.all(params) as EventRow[]).map(toStoredEvent);
  }
}
