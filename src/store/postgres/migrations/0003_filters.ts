// Subscription content filters and compact payloads (issue #15), as SQLite's migration 12: only
// additions, so replicas of the previous version keep running on it (they ignore the new columns
// and fan out without filters until they are upgraded).
import type { PgMigration } from './index.js';

export const m0003_filters: PgMigration = {
  version: 3,
  name: 'filters',
  sql: /* sql */ `
ALTER TABLE subscriptions ADD COLUMN content_filter TEXT;
ALTER TABLE subscriptions ADD COLUMN payload_options TEXT;
-- Written only by fan-out (one replica at a time, under its advisory lock): a counter on the
-- subscription row would contend with the health writes of every recorded attempt.
CREATE TABLE subscription_filtered (
  subscription_id TEXT PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
  filtered BIGINT NOT NULL DEFAULT 0
);
`,
};
