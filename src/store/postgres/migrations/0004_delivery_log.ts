// The dashboard's delivery log (issue #14, subscription page), as SQLite's migration 14: a
// subscription's deliveries of one status newest first, and its failed ones for a bulk retry, from
// an index range; and the receiver's response headers of each attempt. Only additions (index.ts).
import type { PgMigration } from './index.js';

export const m0004_delivery_log: PgMigration = {
  version: 4,
  name: 'delivery_log',
  sql: /* sql */ `
CREATE INDEX deliveries_by_status ON deliveries (subscription_id, status, id);
ALTER TABLE delivery_attempts ADD COLUMN response_headers TEXT; -- JSON [[name, value], ...], as in SQLite (copied as is by migrate-storage)
`,
};
