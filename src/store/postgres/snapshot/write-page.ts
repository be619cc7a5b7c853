// The writes of one sync page inside its transaction, each a single statement over UNNEST arrays
// (a statement per lead cost a round trip per lead): leads, scan marks, seen event hashes, and the
// outbox events with their fan-out queue rows and a NOTIFY to wake the other replicas.
import type { OutboxEvent } from '../../../model.js';
import type { LeadEventWrite, LeadWrite, PageWrite } from '../../types.js';
import type { Querier } from '../tx.js';

export const OUTBOX_CHANNEL = 'leadrelay_outbox';

/** The last write of each key wins, as when SQLite upserts them one by one (ON CONFLICT may not touch a row twice). */
function lastOf<T>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const t of items) {
    const k = key(t);
    m.delete(k);
    m.set(k, t);
  }
  return [...m.values()];
}

async function upsertLeads(c: Querier, sourceId: string, writes: readonly LeadWrite[], nowIso: string): Promise<void> {
  const leads = lastOf(writes, (w) => w.leadId);
  if (leads.length === 0) return;
  const cols = { id: [] as string[], hash: [] as string[], deleted: [] as boolean[], reason: [] as (string | null)[], lead: [] as string[], raw: [] as string[], state: [] as (string | null)[] };
  for (const w of leads) {
    const { raw, ...lead } = w.lead;
    cols.id.push(w.leadId);
    cols.hash.push(w.hash);
    cols.deleted.push(w.deleted);
    cols.reason.push(w.deleted ? w.deletedReason : null);
    cols.lead.push(JSON.stringify(lead));
    cols.raw.push(w.rawJson ?? JSON.stringify(raw));
    cols.state.push(w.state === undefined || w.state === null ? null : JSON.stringify(w.state));
  }
  await c.query(
    `INSERT INTO leads (source_id, lead_id, hash, deleted, deleted_reason, lead, raw, state, first_seen_at, changed_at)
     SELECT $1, u.lead_id, u.hash, u.deleted, u.deleted_reason, u.lead, u.raw, u.state, $9, $9
     FROM unnest($2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[])
       AS u(lead_id, hash, deleted, deleted_reason, lead, raw, state)
     ON CONFLICT (source_id, lead_id) DO UPDATE SET
       hash = excluded.hash, deleted = excluded.deleted, deleted_reason = excluded.deleted_reason,
       lead = excluded.lead, raw = excluded.raw, state = excluded.state,
       changed_at = CASE WHEN leads.hash = excluded.hash THEN leads.changed_at ELSE excluded.changed_at END`,
    [sourceId, cols.id, cols.hash, cols.deleted, cols.reason, cols.lead, cols.raw, cols.state, nowIso],
  );
}

async function markSeen(c: Querier, sourceId: string, seen: NonNullable<PageWrite['seen']>): Promise<void> {
  if (seen.leadIds.length > 0) {
    await c.query('INSERT INTO scan_seen (source_id, scan, lead_id) SELECT $1, $2, unnest($3::text[])', [sourceId, seen.scan, seen.leadIds]);
  }
  // Only the rare lead an earlier complete scan missed is written to (the caller knows which).
  if (seen.missed.length > 0) {
    await c.query('UPDATE leads SET missing_scans = 0 WHERE source_id = $1 AND lead_id = ANY($2::text[]) AND missing_scans > 0', [sourceId, seen.missed]);
  }
}

async function upsertLeadEvents(c: Querier, sourceId: string, writes: readonly LeadEventWrite[]): Promise<void> {
  const events = lastOf(writes, (e) => JSON.stringify([e.leadId, e.key]));
  if (events.length === 0) return;
  await c.query(
    `INSERT INTO lead_events (source_id, lead_id, event_key, hash)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
     ON CONFLICT (source_id, lead_id, event_key) DO UPDATE SET hash = excluded.hash`,
    [sourceId, events.map((e) => e.leadId), events.map((e) => e.key), events.map((e) => e.hash)],
  );
}

/**
 * Appends events in the given order (seq follows it: identity values are drawn as the ordered
 * SELECT yields rows), queues each for fan-out, and notifies once: PostgreSQL delivers the
 * notification at commit, and not at all on rollback.
 */
export async function appendOutbox(c: Querier, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await c.query(
    `WITH ins AS (
       INSERT INTO events (id, type, source_id, lead_id, created_at, body)
       SELECT id, type, source_id, lead_id, created_at, body
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
         AS u(id, type, source_id, lead_id, created_at, body, ord)
       ORDER BY ord
       RETURNING seq),
     queued AS (INSERT INTO fanout_pending (seq) SELECT seq FROM ins RETURNING seq)
     SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.sourceId),
      events.map((e) => e.leadId),
      events.map((e) => e.createdAt),
      events.map((e) => JSON.stringify(e.body)),
    ],
  );
}

/** Everything of a page but the cursor and the fence (the caller's, in the same transaction). */
export async function writePage(c: Querier, sourceId: string, page: Omit<PageWrite, 'cursor'>, nowIso: string): Promise<void> {
  await upsertLeads(c, sourceId, page.leads, nowIso);
  if (page.seen) await markSeen(c, sourceId, page.seen);
  await upsertLeadEvents(c, sourceId, page.leadEvents);
  await appendOutbox(c, page.outbox);
}
