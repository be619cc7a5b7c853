// The event log read side (GET /v1/events): outbox rows newest first, filtered, paged by seq.
import type { EventLogFilter, StoredEvent } from '../types.js';
import type { Db } from './db.js';
import { toStoredEvent, type EventRow } from './outbox.js';


// Which index drives the search, by the filters present. Measured on 300,000 events (two sources
// of 147,000 each, 1.5 KB bodies), first, second and last page of 51: letting SQLite choose took
// up to 650 ms (it sorted whole rows of a big source, or walked every row older than `since` on a
// last page, not knowing that seq and created_at rise together); with these plans:
//
// - lead: events_lead, one (source_id, lead_id) range per source, already in seq order. < 1 ms.
// - time, no lead: events_created_at gives the range; only seq is read (the index holds it), so the
//   sort is over small index entries, not rows. Grows with the range: 35-45 ms for 150,000.
// - source and time: events_source_time's (source_id, created_at) range, seq from the index entries
//   (the rowid), the top of them sorted. Before migration 15 both ranges were read and intersected:
//   380 ms for a week of one source in 1M events (bench dashboard-render).
// - one type and time: events_type_time the same way.
// - source (and one type): events_source (events_source_type) walked backwards from the cursor,
//   a page of index entries read (migration 15; before it, a whole source's seqs were sorted:
//   ~20 ms for 147,000, growing with the source).
// - one type: events_type walked backwards, a page read, whatever the type's share (before
//   migration 15 a rare type read many rows: ~450 ms for a type a big source never has).
// - several types or nothing: the rowid walked backwards from the cursor, stopping at `limit`
//   matches.
//
// The matching seqs are found first and only the page's rows are read (outer query), so the
// bodies of rows that are filtered out or sorted are never loaded. A page after `afterSeq` (the
// "newer" link) walks the same index forwards.
type Plan = 'lead' | 'source+time' | 'type+time' | 'time' | 'source' | 'source+type' | 'type' | 'rowid';

function planFor(f: EventLogFilter): Plan {
  const timed = f.since !== undefined || f.until !== undefined;
  const oneType = f.types !== undefined && f.types.length === 1;
  if (f.leadId !== undefined) return 'lead';
  if (timed) return f.sourceId !== undefined ? 'source+time' : oneType ? 'type+time' : 'time';
  if (f.sourceId !== undefined) return oneType ? 'source+type' : 'source';
  return oneType ? 'type' : 'rowid';
}

export class EventLogStore {
  // One statement per combination of filters present (a few dozen at most), each prepared the
  // first time it is used; the SQL text is only ever built from the fixed fragments below.
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {}

  /** Newest first (seq descending). */
  list(f: EventLogFilter): StoredEvent[] {
    const plan = planFor(f);
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit };
    const time: string[] = [];
    if (f.since !== undefined) {
      params.since = f.since;
      time.push('created_at >= @since');
    }
    if (f.until !== undefined) {
      params.until = f.until;
      time.push('created_at < @until');
    }
    if (f.sourceId !== undefined) params.source = f.sourceId;
    if (f.leadId !== undefined) params.lead = f.leadId;

    let from = 'events';
    switch (plan) {
      case 'lead':
        from = 'events INDEXED BY events_lead';
        // No index starts with lead_id, but every event's source is a row of `sources` (rows are
        // never removed), so without a source this is one events_lead range per source.
        where.push(f.sourceId !== undefined ? 'source_id = @source' : 'source_id IN (SELECT id FROM sources)', 'lead_id = @lead', ...time);
        break;
      case 'source+time':
        from = 'events INDEXED BY events_source_time';
        where.push('source_id = @source', ...time);
        break;
      case 'type+time':
        from = 'events INDEXED BY events_type_time';
        where.push(...time);
        break;
      case 'time':
        from = 'events INDEXED BY events_created_at';
        where.push(...time);
        break;
      case 'source':
        from = 'events INDEXED BY events_source';
        where.push('source_id = @source');
        break;
      case 'source+type':
        from = 'events INDEXED BY events_source_type';
        where.push('source_id = @source');
        break;
      case 'type':
        from = 'events INDEXED BY events_type';
        break;
      case 'rowid':
        break;
    }
    if (f.types !== undefined) {
      if (f.types.length === 1) {
        // Equality, so that an index starting with (…, type) gives one range in seq order.
        params.type = f.types[0];
        where.push('type = @type');
      } else {
        params.types = JSON.stringify(f.types);
        where.push('type IN (SELECT value FROM json_each(@types))');
      }
    }
    if (f.beforeSeq !== undefined) {
      params.before = f.beforeSeq;
      where.push('seq < @before');
    }
    if (f.afterSeq !== undefined) {
      params.after = f.afterSeq;
      where.push('seq > @after');
    }

    const order = f.afterSeq !== undefined ? 'ASC' : 'DESC';
    const inner = `SELECT seq FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order} LIMIT @limit`;
    let stmt = this.statements.get(inner);
    if (!stmt) {
      stmt = this.db.prepare(`SELECT * FROM events WHERE seq IN (${inner}) ORDER BY seq DESC`);
      this.statements.set(inner, stmt);
    }
    return (stmt.all(params) as EventRow[]).map(toStoredEvent);
  }
}
