// The indexes of SQLite's migration 15, for the dashboard's filtered lists on a big database: the
// event log by type, by source and by both in seq order; a subscription's deliveries by status and
// time. Only additions (index.ts, rolling upgrades). On a large events table CREATE INDEX holds
// writes to it while it builds (about 2 s per index for 1M events on a small machine).
import type { PgMigration } from './index.js';

export const m0005_dashboard_indexes: PgMigration = {
  version: 5,
  name: 'dashboard_indexes',
  sql: /* sql */ `
CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_source ON events (source_id, seq);
CREATE INDEX IF NOT EXISTS events_source_type ON events (source_id, type, seq);
CREATE INDEX IF NOT EXISTS events_source_time ON events (source_id, created_at, seq);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, created_at, seq);
CREATE INDEX IF NOT EXISTS deliveries_subscription_status ON deliveries (subscription_id, status, created_at);
`,
};
