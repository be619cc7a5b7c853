// The lead snapshot and seen interaction events; applyPage commits a page's snapshot changes,
// its outbox events and the source cursor in one transaction.
import type { LeadEventWrite, LeadWrite, MissingDecision, MissingLead, PageWrite, StoredLead } from '../types.js';
import type { Db } from './db.js';
import type { DeleteReason, NormalizedLead, OutboxEvent } from '../../model.js';
import type { SourceStore } from './sources.js';
import type { OutboxStore } from './outbox.js';


export class SnapshotStore {
  private readonly getLeadsStmt;
  private readonly getEventsStmt;
  private readonly upsertLeadStmt;
  private readonly upsertEventStmt;
  private readonly applyRows: (sourceId: string, page: PageWrite, now: string) => void;
  private readonly markSeenStmt;
  private readonly resetMissedStmt;
  private readonly countMissedStmt;
  private readonly clearSeenStmt;
  private readonly countListedStmt;
  private readonly missingStmt;
  private readonly liveCountStmt;

  constructor(
    private readonly db: Db,
    private readonly sources: SourceStore,
    outbox: OutboxStore,
  ) {
    // json_each keeps this one statement for any number of ids (one round trip per page, not per lead).
    this.getLeadsStmt = db.prepare(
      `SELECT lead_id, hash, deleted, deleted_reason, lead, raw, state, missing_scans FROM leads
       WHERE source_id = ? AND lead_id IN (SELECT value FROM json_each(?))`,
    );
    this.getEventsStmt = db.prepare(
      `SELECT lead_id, event_key, hash FROM lead_events
       WHERE source_id = ? AND lead_id IN (SELECT value FROM json_each(?))`,
    );
    this.upsertLeadStmt = db.prepare(
      `INSERT INTO leads (source_id, lead_id, hash, deleted, deleted_reason, lead, raw, state, first_seen_at, changed_at)
       VALUES (@sourceId, @leadId, @hash, @deleted, @deletedReason, @lead, @raw, @state, @now, @now)
       ON CONFLICT (source_id, lead_id) DO UPDATE SET
         hash = excluded.hash, deleted = excluded.deleted, deleted_reason = excluded.deleted_reason,
         lead = excluded.lead, raw = excluded.raw, state = excluded.state,
         changed_at = CASE WHEN leads.hash = excluded.hash THEN leads.changed_at ELSE excluded.changed_at END`,
    );
    this.upsertEventStmt = db.prepare(
      `INSERT INTO lead_events (source_id, lead_id, event_key, hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (source_id, lead_id, event_key) DO UPDATE SET hash = excluded.hash`,
    );
    // A full scan's page: its ids are appended to scan_seen (a page or two of writes), and only the
    // rare lead that an earlier complete scan missed is written to (the caller knows which from
    // getLeads). Rewriting every listed lead instead cost 15-20 ms per 100-lead page (migration 0005).
    this.markSeenStmt = db.prepare(`INSERT INTO scan_seen (source_id, scan, lead_id) SELECT ?, ?, value FROM json_each(?)`);
    // INDEXED BY: left to itself the planner walks all of the source's leads in leads_live (covering)
    // and probes the given ids.
    this.resetMissedStmt = db.prepare(
      `UPDATE leads INDEXED BY leads_key SET missing_scans = 0
       WHERE source_id = ? AND lead_id IN (SELECT value FROM json_each(?)) AND missing_scans > 0`,
    );
    // One anti-join at the end of a complete scan: SQLite builds a temporary index of the scan's ids,
    // and the ids the scan did not list come from leads_key alone (lead_id + rowid); only those rows
    // are read. Walking the live leads instead read every 1.3 KB row (~5 µs a lead at 100k).
    this.countMissedStmt = db.prepare(
      `UPDATE leads SET missing_scans = missing_scans + 1
       WHERE deleted = 0 AND rowid IN (
         SELECT rowid FROM leads INDEXED BY leads_key
         WHERE source_id = ? AND lead_id NOT IN (SELECT lead_id FROM scan_seen WHERE source_id = ? AND scan = ?))`,
    );
    this.clearSeenStmt = db.prepare(`DELETE FROM scan_seen WHERE source_id = ?`);
    this.countListedStmt = db.prepare(`SELECT count(DISTINCT lead_id) AS n FROM scan_seen WHERE source_id = ? AND scan = ?`);
    this.missingStmt = db.prepare(
      `SELECT lead_id, hash, deleted, deleted_reason, lead, raw, state, missing_scans FROM leads
       WHERE source_id = ? AND deleted = 0 AND missing_scans >= ? ORDER BY lead_id`,
    );
    this.liveCountStmt = db.prepare(`SELECT count(*) AS n FROM leads WHERE source_id = ? AND deleted = 0`);
    this.applyRows = (sourceId: string, page: PageWrite, now: string): void => {
      for (const w of page.leads) {
        const { raw, ...lead } = w.lead;
        this.upsertLeadStmt.run({
          sourceId,
          leadId: w.leadId,
          hash: w.hash,
          deleted: w.deleted ? 1 : 0,
          deletedReason: w.deleted ? w.deletedReason : null,
          lead: JSON.stringify(lead),
          raw: w.rawJson ?? JSON.stringify(raw),
          state: w.state === undefined || w.state === null ? null : JSON.stringify(w.state),
          now,
        });
      }
      if (page.seen) {
        this.markSeenStmt.run(sourceId, page.seen.scan, JSON.stringify(page.seen.leadIds));
        if (page.seen.missed.length > 0) this.resetMissedStmt.run(sourceId, JSON.stringify(page.seen.missed));
      }
      for (const e of page.leadEvents) this.upsertEventStmt.run(sourceId, e.leadId, e.key, e.hash);
      outbox.append(page.outbox);
      if (page.cursor !== undefined) sources.setCursor(sourceId, page.cursor);
    };
  }

  getLeads(sourceId: string, leadIds: readonly string[]): Map<string, StoredLead> {
    const out = new Map<string, StoredLead>();
    if (leadIds.length === 0) return out;
    const rows = this.getLeadsStmt.all(sourceId, JSON.stringify(leadIds)) as LeadRow[];
    for (const r of rows) out.set(r.lead_id, new StoredRow(r));
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
  applyPage(sourceId: string, page: PageWrite, now: string, checkFence: () => void = noCheck): void {
    this.db.transaction(() => {
      checkFence();
      this.applyRows(sourceId, page, now);
    })();
  }

  /**
   * Ends a complete scan, atomically: every live lead it did not list has missed one more scan; those
   * missed by `threshold` scans in a row go to `decide`, whose deletes are applied (or held) here.
   */
  completeScan(
    sourceId: string,
    scan: number,
    threshold: number,
    now: string,
    decide: (missing: MissingLead[], liveCount: number) => MissingDecision,
    checkFence: () => void = noCheck,
  ): MissingDecision {
    return this.db.transaction(() => {
      checkFence();
      this.countMissedStmt.run(sourceId, sourceId, scan);
      this.clearSeenStmt.run(sourceId);
      return this.settleMissing(sourceId, threshold, now, decide);
    })();
  }

  /** The distinct lead ids the scan has listed so far. */
  countListed(sourceId: string, scan: number): number {
    return (this.countListedStmt.get(sourceId, scan) as { n: number }).n;
  }

  /** Starts a full scan: a new scan generation, and the marks of any scan that never completed dropped. */
  beginScan(sourceId: string, checkFence: () => void = noCheck): number {
    return this.db.transaction(() => {
      checkFence();
      this.clearSeenStmt.run(sourceId);
      return this.sources.beginScan(sourceId);
    })();
  }

  /** Re-decides leads already missed by `threshold` scans (e.g. an operator releasing held deletes). */
  settleMissingNow(
    sourceId: string,
    threshold: number,
    now: string,
    decide: (missing: MissingLead[], liveCount: number) => MissingDecision,
  ): MissingDecision {
    return this.db.transaction(() => this.settleMissing(sourceId, threshold, now, decide))();
  }

  private settleMissing(
    sourceId: string,
    threshold: number,
    now: string,
    decide: (missing: MissingLead[], liveCount: number) => MissingDecision,
  ): MissingDecision {
    const rows = this.missingStmt.all(sourceId, threshold) as LeadRow[];
    const missing = rows.map((r): MissingLead => {
      const s = new StoredRow(r);
      return { leadId: r.lead_id, hash: s.hash, deleted: s.deleted, deletedReason: s.deletedReason, lead: s.lead, state: s.state, missingScans: s.missingScans };
    });
    const live = (this.liveCountStmt.get(sourceId) as { n: number }).n;
    const decision = decide(missing, live);
    if (decision.apply) this.applyRows(sourceId, { leads: decision.writes, leadEvents: [], outbox: decision.outbox }, now);
    this.sources.recordScanOutcome(sourceId, now, decision.apply ? 0 : missing.length, decision.warning);
    return decision;
  }
}

const noCheck = () => {};

interface LeadRow {
  lead_id: string;
  hash: string;
  deleted: number;
  deleted_reason: DeleteReason | null;
  lead: string;
  raw: string;
  state: string | null;
  missing_scans: number;
}

/**
 * A lead as read back. Its JSON is parsed when `lead` is first read: a poll compares most leads by
 * their stored JSON text alone, and parsing both JSON copies of every listed lead was 12% of a
 * 100k-lead full scan (BENCHMARKS.md "Sync optimizations"). `lead` is a getter on the prototype (an accessor in
 * an object literal made each row slow to build), so spreading a StoredRow leaves it out: copy
 * fields by name, as settleMissing does.
 */
class StoredRow implements StoredLead {
  readonly hash: string;
  readonly deleted: boolean;
  readonly deletedReason: DeleteReason | null;
  readonly state: unknown;
  readonly rawJson: string;
  readonly missingScans: number;
  readonly #leadJson: string;
  #lead: NormalizedLead | undefined;

  constructor(r: LeadRow) {
    this.hash = r.hash;
    this.deleted = r.deleted === 1;
    this.deletedReason = r.deleted_reason;
    this.state = r.state === null ? null : JSON.parse(r.state);
    this.rawJson = r.raw;
    this.missingScans = r.missing_scans;
    this.#leadJson = r.lead;
  }

  get lead(): NormalizedLead {
    return (this.#lead ??= { ...JSON.parse(this.#leadJson), raw: JSON.parse(this.rawJson) });
  }
}
