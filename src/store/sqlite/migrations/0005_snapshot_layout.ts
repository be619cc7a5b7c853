// The lead snapshot as a rowid table, and a full scan's "seen" marks as an append-only list instead
// of a write to every lead it lists.
import type { Migration } from './index.js';

// Measured (BENCHMARKS.md "Sync optimizations", 2 cores): a lead row holds two JSON copies (~1.3 KB), beyond what
// a WITHOUT ROWID b-tree keeps in a 4 KB page, so every row sat on an overflow chain at a random
// place in the key order; a 100-lead page then dirtied hundreds of pages (a 1.5 MB WAL commit and a
// checkpoint per page), and a 100k-lead initial sync ran at ~2.3k leads/s. Stored by rowid, rows stay
// whole and land in the order they were first listed; the key moves to a unique index.
//
// last_seen_scan was rewritten on every lead of every full scan (all 100k rows, 15-20 ms per page).
// scan_seen takes an append per page instead; the end of a complete scan counts misses with one
// anti-join and empties it. leads_live answers the live/deleted counts from the index alone and
// finds missing leads without a table scan; within one (source, deleted, missing_scans) its entries
// are in rowid order, so a new lead appends to it instead of dirtying a random index page.
export const m0005_snapshot_layout: Migration = {
  version: 5,
  name: 'snapshot_layout',
  sql: /* sql */ `
CREATE TABLE leads_by_rowid (
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  hash TEXT NOT NULL,                   -- content hash of raw, key-order independent
  deleted INTEGER NOT NULL DEFAULT 0,
  deleted_reason TEXT,                  -- vendor_deleted | missing
  lead TEXT NOT NULL,                   -- normalized lead without raw
  raw TEXT NOT NULL,
  state TEXT,                           -- adapter's per-lead cursor (e.g. event "since")
  first_seen_at TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  missing_scans INTEGER NOT NULL DEFAULT 0
);
INSERT INTO leads_by_rowid (source_id, lead_id, hash, deleted, deleted_reason, lead, raw, state, first_seen_at, changed_at, missing_scans)
  SELECT source_id, lead_id, hash, deleted, deleted_reason, lead, raw, state, first_seen_at, changed_at, missing_scans FROM leads;
DROP TABLE leads;
ALTER TABLE leads_by_rowid RENAME TO leads;
CREATE UNIQUE INDEX leads_key ON leads (source_id, lead_id);
CREATE INDEX leads_live ON leads (source_id, deleted, missing_scans);

-- Lead ids listed by the full scan in progress, per source; a scan that never completes leaves
-- rows that the next scan of the source clears when it begins.
CREATE TABLE scan_seen (
  source_id TEXT NOT NULL,
  scan INTEGER NOT NULL,
  lead_id TEXT NOT NULL
);
`,
};
