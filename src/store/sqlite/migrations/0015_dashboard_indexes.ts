// Indexes the dashboard's lists need on a big database (issue #14: every page under 200 ms with 1M
// events and 200k deliveries). The event log filtered by type, by source, or by both, walks one of
// these backwards from its cursor and stops at a page, instead of sorting a whole source or reading
// every row of the table to find a rare type (event-log.ts has the plans and their measurements).
// A time range within a source or a type reads that range from its own index (seq comes with it:
// SQLite keeps the rowid in every index entry) instead of intersecting it with the whole range.
// A delivery log filtered by status reads one (subscription, status) range in time order.
import type { Migration } from './index.js';

export const m0015_dashboard_indexes: Migration = {
  version: 15,
  name: 'dashboard_indexes',
  sql: /* sql */ `
CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_source ON events (source_id, seq);
CREATE INDEX IF NOT EXISTS events_source_type ON events (source_id, type, seq);
CREATE INDEX IF NOT EXISTS events_source_time ON events (source_id, created_at);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, created_at);
CREATE INDEX IF NOT EXISTS deliveries_subscription_status ON deliveries (subscription_id, status, created_at);
`,
};
