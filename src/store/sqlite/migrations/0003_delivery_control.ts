// Delivery control: secret rotation, static headers, per-endpoint limits, circuit breaker,
// auto-disable after failing for long, manual retries and test pings.
import type { Migration } from './index.js';

export const m0003_delivery_control: Migration = {
  version: 3,
  name: 'delivery_control',
  sql: /* sql */ `
ALTER TABLE subscriptions ADD COLUMN previous_secret TEXT;          -- still signs until previous_secret_expires_at
ALTER TABLE subscriptions ADD COLUMN previous_secret_expires_at INTEGER;
ALTER TABLE subscriptions ADD COLUMN headers TEXT;                  -- JSON object of static request headers
ALTER TABLE subscriptions ADD COLUMN max_per_second REAL;           -- null: no rate limit
ALTER TABLE subscriptions ADD COLUMN max_concurrency INTEGER;       -- null: delivery.perSubscriptionConcurrency
ALTER TABLE subscriptions ADD COLUMN failing_since INTEGER;         -- first failure of the current unbroken run of failures
ALTER TABLE subscriptions ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN circuit_open_until INTEGER;    -- no attempts before this, then one probe
ALTER TABLE subscriptions ADD COLUMN circuit_failed_probes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN disabled_at INTEGER;

ALTER TABLE deliveries ADD COLUMN manual INTEGER NOT NULL DEFAULT 0; -- the next attempt was asked for by an operator
CREATE INDEX deliveries_completed ON deliveries (completed_at) WHERE status <> 'pending';
CREATE INDEX deliveries_event ON deliveries (event_seq);
`,
};
