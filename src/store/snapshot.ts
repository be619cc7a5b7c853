// The lead snapshot and seen interaction events; applyPage commits a page's snapshot changes,
// its outbox events and the source cursor in one transaction.
import type { Db } from './db.js';
import type { NormalizedLead, OutboxEvent } from '../model.js';
import type { SourceStore } from './sources.js';
import type { OutboxStore } from './outbox.js';

export interface StoredLead {
  hash: string;
  deleted: boolean;
  lead: NormalizedLead;
  state: unknown;
}

export interface LeadWrite {
  leadId: string;
  hash: string;
  deleted: boolean;
  lead: NormalizedLead;
  state: unknown;
}

export interface LeadEventWrite {
  leadId: string;
  key: string;
  hash: string;
}

export interface PageWrite {
  leads: LeadWrite[];
  leadEvents: LeadEventWrite[];
  outbox: OutboxEvent[];
  /** Undefined leaves the stored cursor as it is. */
  cursor?: unknown;
}

export class SnapshotStore {
  private readonly getLeadsStmt;
  private readonly getEventsStmt;
  private readonly upsertLeadStmt;
  private readonly upsertEventStmt;
  private readonly applyTx;

  constructor(
    private readonly db: Db,
    sources: SourceStore,
    outbox: OutboxStore,
  ) {
    // json_each keeps this one statement for any number of ids (one round trip per page, not per lead).
    this.getLeadsStmt = db.prepare(
      `SELECT lead_id, hash, deleted, lead, raw, state FROM leads
       WHERE source_id = ? AND lead_id IN (SELECT value FROM json_each(?))`,
    );
    this.getEventsStmt = db.prepare(
      `SELECT lead_id, event_key, hash FROM lead_events
       WHERE source_id = ? AND lead_id IN (SELECT value FROM json_each(?))`,
    );
    this.upsertLeadStmt = db.prepare(
      `INSERT INTO leads (source_id, lead_id, hash, deleted, lead, raw, state, first_seen_at, changed_at)
       VALUES (@sourceId, @leadId, @hash, @deleted, @lead, @raw, @state, @now, @now)
       ON CONFLICT (source_id, lead_id) DO UPDATE SET
         hash = excluded.hash, deleted = excluded.deleted, lead = excluded.lead, raw = excluded.raw,
         state = excluded.state,
         changed_at = CASE WHEN leads.hash = excluded.hash THEN leads.changed_at ELSE excluded.changed_at END`,
    );
    this.upsertEventStmt = db.prepare(
      `INSERT INTO lead_events (source_id, lead_id, event_key, hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (source_id, lead_id, event_key) DO UPDATE SET hash = excluded.hash`,
    );
    this.applyTx = db.transaction((sourceId: string, page: PageWrite, now: string) => {
      for (const w of page.leads) {
        const { raw, ...lead } = w.lead;
        this.upsertLeadStmt.run({
          sourceId,
          leadId: w.leadId,
          hash: w.hash,
          deleted: w.deleted ? 1 : 0,
          lead: JSON.stringify(lead),
          raw: JSON.stringify(raw),
          state: w.state === undefined || w.state === null ? null : JSON.stringify(w.state),
          now,
        });
      }
      for (const e of page.leadEvents) this.upsertEventStmt.run(sourceId, e.leadId, e.key, e.hash);
      outbox.append(page.outbox);
      if (page.cursor !== undefined) sources.setCursor(sourceId, page.cursor);
    });
  }

  getLeads(sourceId: string, leadIds: readonly string[]): Map<string, StoredLead> {
    const out = new Map<string, StoredLead>();
    if (leadIds.length === 0) return out;
    const rows = this.getLeadsStmt.all(sourceId, JSON.stringify(leadIds)) as Array<{
      lead_id: string;
      hash: string;
      deleted: number;
      lead: string;
      raw: string;
      state: string | null;
    }>;
    for (const r of rows) {
      out.set(r.lead_id, {
        hash: r.hash,
        deleted: r.deleted === 1,
        lead: { ...JSON.parse(r.lead), raw: JSON.parse(r.raw) },
        state: r.state === null ? null : JSON.parse(r.state),
      });
    }
    return out;
  }

  /** Seen event hashes by lead id, then by event key. */
  getLeadEventHashes(sourceId: string, leadIds: readonly string[]): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    if (leadIds.length === 0) return out;
    const rows = this.getEventsStmt.all(sourceId, JSON.stringify(leadIds)) as Array<{
      lead_id: string;
      event_key: string;
      hash: string;
    }>;
    for (const r of rows) {
      let byKey = out.get(r.lead_id);
      if (!byKey) out.set(r.lead_id, (byKey = new Map()));
      byKey.set(r.event_key, r.hash);
    }
    return out;
  }

  /** Commits one page atomically: a crash leaves either all of it or none of it. */
  applyPage(sourceId: string, page: PageWrite, now: string): void {
    this.applyTx(sourceId, page, now);
  }
}
