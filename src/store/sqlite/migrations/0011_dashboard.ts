// The operator dashboard (issue #14): its login sessions, and what its health figures are read from
// without counting whole tables (each attempt names its subscription; indexes on attempt time).
import type { Migration } from './index.js';

export const m0011_dashboard: Migration = {
  version: 11,
  name: 'dashboard',
  sql: /* sql */ `
-- One row per logged-in browser. The session id itself lives only in the browser's cookie: a copy of
-- this table (a backup, a leaked dump) cannot be replayed as a login.
CREATE TABLE dashboard_sessions (
  id_hash TEXT PRIMARY KEY,             -- sha256 (hex) of the session id
  token_name TEXT NOT NULL,             -- the token that logged in (server.tokens name, or admin)
  token_check TEXT NOT NULL,            -- HMAC of that token under an install key: a changed token ends the session
  scopes TEXT NOT NULL,                 -- JSON array, as the token had them at login
  csrf_token TEXT NOT NULL,             -- the hidden field every form of this session posts
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL           -- absolute: created_at + server.dashboardSessionTtl
) WITHOUT ROWID;
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);

-- Health per subscription (success rate over an hour and a day) from an index range, not from a
-- join of every attempt with its delivery. Attempts recorded before this migration get it here.
ALTER TABLE delivery_attempts ADD COLUMN subscription_id TEXT;
UPDATE delivery_attempts SET subscription_id = (SELECT d.subscription_id FROM deliveries d WHERE d.id = delivery_attempts.delivery_id);
-- Covering: both figures are counted from the index alone (status_code says success or failure).
CREATE INDEX delivery_attempts_time ON delivery_attempts (started_at, status_code);
CREATE INDEX delivery_attempts_subscription ON delivery_attempts (subscription_id, started_at, status_code);
-- Each subscription's attempts per past hour, counted once the hour has settled (delivery-stats-model.ts):
-- a day's success rate then reads 24 rows and the edges of the window instead of every attempt of the day.
CREATE TABLE attempt_hours (
  subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  hour INTEGER NOT NULL,                -- ms, the hour's start
  attempts INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, hour)
) WITHOUT ROWID;
`,
};
