// The operator dashboard (issue #14), as SQLite's migration 11: login sessions shared by every
// replica (a browser stays logged in whichever replica answers it), and attempts that name their
// subscription, with the indexes the health figures are counted from.
import type { PgMigration } from './index.js';

// Only additions (index.ts, rolling upgrades): a replica of the previous version records attempts
// without subscription_id; those are missing from the per-subscription figures until it is upgraded.
export const m0002_dashboard: PgMigration = {
  version: 2,
  name: 'dashboard',
  sql: /* sql */ `
CREATE TABLE dashboard_sessions (
  id_hash TEXT PRIMARY KEY,             -- sha256 (hex) of the session id; the id is only in the cookie
  token_name TEXT NOT NULL,
  token_check TEXT NOT NULL,            -- HMAC of the token under an install key
  scopes TEXT NOT NULL,                 -- JSON array
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

ALTER TABLE delivery_attempts ADD COLUMN subscription_id TEXT COLLATE "C";
UPDATE delivery_attempts a SET subscription_id = d.subscription_id FROM deliveries d WHERE d.id = a.delivery_id;
CREATE INDEX delivery_attempts_time ON delivery_attempts (started_at, status_code);
CREATE INDEX delivery_attempts_subscription ON delivery_attempts (subscription_id, started_at, status_code);
-- Each subscription's attempts per past hour, counted once the hour has settled (delivery-stats-model.ts).
CREATE TABLE attempt_hours (
  subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, hour)
);
`,
};
