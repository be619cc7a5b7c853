// The event log on PostgreSQL (GET /v1/events, replay ranges): outbox rows newest first, filtered
// and paged by seq; counts and bodiless heads of a created_at range, oldest first; one event by id,
// and the bodies of several (replay with a filter).
import type pg from 'pg';
import type { EventOps } from '../contract.js';
import type { StoredEvent } from '../types.js';
import type { WebhookType } from '../../model.js';

interface EventRow {
  seq: number;
  id: string;
  type: WebhookType;
  source_id: string;
  lead_id: string;
  created_at: string;
  body: string;
}

function toStoredEvent(r: EventRow): StoredEvent {
  return { seq: r.seq, id: r.id, type: r.type, sourceId: r.source_id, leadId: r.lead_id, createdAt: r.created_at, body: r.body };
}

export function createPgEventOps(pool: pg.Pool): EventOps {
  return {
    async list(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (v: unknown) => `$${params.push(v)}`;
      if (f.sourceId !== undefined) where.push(`source_id = ${param(f.sourceId)}`);
      if (f.leadId !== undefined) {
        // No index starts with lead_id; every event's source is a row of sources (never removed),
        // so without a source this becomes one events_lead range per source.
        if (f.sourceId === undefined) where.push('source_id IN (SELECT id FROM sources)');
        where.push(`lead_id = ${param(f.leadId)}`);
      }
      if (f.since !== undefined) where.push(`created_at >= ${param(f.since)}`);
      if (f.until !== undefined) where.push(`created_at < ${param(f.until)}`);
      if (f.types !== undefined) where.push(`type = ANY(${param(f.types)}::text[])`);
      if (f.beforeSeq !== undefined) where.push(`seq < ${param(f.beforeSeq)}`);
      // A page after afterSeq (the dashboard's "newer" link): its `limit` oldest, turned newest first.
      if (f.afterSeq !== undefined) where.push(`seq > ${param(f.afterSeq)}`);
      const order = f.afterSeq !== undefined ? 'ASC' : 'DESC';
      const { rows } = await pool.query<EventRow>(
        `SELECT seq, id, type, source_id, lead_id, created_at, body FROM events
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order} LIMIT ${param(f.limit)}`,
        params,
      );
      if (order === 'ASC') rows.reverse();
      return rows.map(toStoredEvent);
    },

    async deliveryCounts(seqs) {
      if (seqs.length === 0) return [];
      // deliveries_event, one probe per event of the page.
      const { rows } = await pool.query<{ event_seq: number; status: 'pending' | 'succeeded' | 'failed'; n: number }>(
        'SELECT event_seq, status, count(*)::int AS n FROM deliveries WHERE event_seq = ANY($1::bigint[]) GROUP BY event_seq, status',
        [seqs],
      );
      return rows.map((r) => ({ eventSeq: Number(r.event_seq), status: r.status, count: r.n }));
    },

    async countCreatedBetween(sinceIso, untilIso, limit) {
      // Index-only on events_created_at, stopping at `limit`.
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE created_at >= $1 AND created_at < $2 LIMIT $3) AS upto',
        [sinceIso, untilIso, limit],
      );
      return rows[0]?.n ?? 0;
    },

    async headsCreatedBetween(sinceIso, untilIso, after, limit) {
      // Keyset on (created_at, seq), events_created_at's order: each batch is one short index range.
      const from = after && after.createdAt > sinceIso ? after.createdAt : sinceIso;
      const { rows } = await pool.query<Pick<EventRow, 'seq' | 'type' | 'source_id' | 'lead_id' | 'created_at'>>(
        `SELECT seq, type, source_id, lead_id, created_at FROM events
         WHERE created_at >= $1 AND created_at < $2 AND (created_at, seq) > ($3, $4) AND type <> 'ping'
         ORDER BY created_at, seq LIMIT $5`,
        [from, untilIso, after?.createdAt ?? '', after?.seq ?? 0, limit],
      );
      return rows.map((r) => ({ seq: r.seq, type: r.type, sourceId: r.source_id, leadId: r.lead_id, createdAt: r.created_at }));
    },

    async get(id) {
      const { rows } = await pool.query<EventRow>('SELECT seq, id, type, source_id, lead_id, created_at, body FROM events WHERE id = $1', [id]);
      return rows[0] && toStoredEvent(rows[0]);
    },

    async bodies(seqs) {
      const { rows } = await pool.query<{ seq: number | string; body: string }>('SELECT seq, body FROM events WHERE seq = ANY($1::bigint[])', [seqs]);
      return new Map(rows.map((r) => [Number(r.seq), r.body]));
    },
  };
}
