// Snapshot reads for a sync page: stored leads and seen event hashes of a page's leads (one round
// trip each, whatever the page size), and the id walk of detail refreshes.
import type pg from 'pg';
import type { StoredLead } from '../../types.js';
import { LEAD_COLUMNS, PgStoredLead, type LeadRow } from './lead-row.js';

export async function getLeads(pool: pg.Pool, sourceId: string, leadIds: readonly string[]): Promise<Map<string, StoredLead>> {
  const out = new Map<string, StoredLead>();
  if (leadIds.length === 0) return out;
  const { rows } = await pool.query<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE source_id = $1 AND lead_id = ANY($2::text[])`, [sourceId, leadIds]);
  for (const r of rows) out.set(r.lead_id, new PgStoredLead(r));
  return out;
}

export async function getLeadEventHashes(pool: pg.Pool, sourceId: string, leadIds: readonly string[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  if (leadIds.length === 0) return out;
  const { rows } = await pool.query<{ lead_id: string; event_key: string; hash: string }>(
    'SELECT lead_id, event_key, hash FROM lead_events WHERE source_id = $1 AND lead_id = ANY($2::text[])',
    [sourceId, leadIds],
  );
  for (const r of rows) {
    let byKey = out.get(r.lead_id);
    if (!byKey) out.set(r.lead_id, (byKey = new Map()));
    byKey.set(r.event_key, r.hash);
  }
  return out;
}
