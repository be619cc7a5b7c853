// Deletes by absence: scan generations per source, per-lead "last seen" and missed-scan counts,
// and the mass-delete guard's held deletes.
import type { Migration } from './index.js';

export const m0002_absence: Migration = {
  version: 2,
  name: 'absence',
  sql: /* sql */ `
ALTER TABLE sources ADD COLUMN scan_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_complete_scan_at TEXT;
ALTER TABLE sources ADD COLUMN held_deletes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN warning_code TEXT;
ALTER TABLE sources ADD COLUMN warning_message TEXT;

ALTER TABLE leads ADD COLUMN last_seen_scan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN missing_scans INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN deleted_reason TEXT;   -- vendor_deleted | missing
UPDATE leads SET deleted_reason = 'vendor_deleted' WHERE deleted = 1;
CREATE INDEX leads_unseen ON leads (source_id, last_seen_scan) WHERE deleted = 0;
`,
};
