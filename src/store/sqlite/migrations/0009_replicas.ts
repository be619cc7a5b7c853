// The store contract's replica parts, so SQLite keeps the same promises as PostgreSQL: a fencing
// token on each source's poller lease and on each delivery claim, the replicas table and periodic
// job ticks. One relay owns a SQLite file, so these rarely matter here; the contract suite checks
// both backends alike.
import type { Migration } from './index.js';

export const m0009_replicas: Migration = {
  version: 9,
  name: 'replicas',
  sql: /* sql */ `
ALTER TABLE sources ADD COLUMN lease_owner TEXT;
ALTER TABLE sources ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE deliveries ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
-- Leases held right now (an outcome or a release clears locked_until): a small index however long
-- the backlog, for counting a subscription's attempts in flight against its maxConcurrency.
CREATE INDEX deliveries_leased ON deliveries (subscription_id, locked_until) WHERE locked_until IS NOT NULL;
CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE TABLE ticks (
  job TEXT NOT NULL,
  slot INTEGER NOT NULL,
  replica_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (job, slot)
) WITHOUT ROWID;
`,
};
