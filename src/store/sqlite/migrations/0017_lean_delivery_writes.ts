// Fewer index pages written per delivered webhook. A delivery turn commits ~16 outcomes at once, and
// every index an outcome touches costs its own pages in that commit (WAL frames, later copied again
// by the checkpoint). Measured on the delivery benchmark's store loop, frames per turn by index:
// deliveries_by_status 5.4 and deliveries_subscription_status 4.1 (each success moved an entry from
// the 'pending' range to the 'succeeded' one), delivery_attempts' id key 3.3, deliveries_completed
// 3.1, delivery_attempts_time 2.1, of 34 in all; 2.13 frames per webhook before, 1.24 after.
// - deliveries_subscription_status duplicated deliveries_by_status (ids are time-ordered).
// - deliveries_by_status keeps the rare states only: a log of succeeded deliveries, most of them,
//   walks deliveries_by_subscription_id and a page fills at once.
// - deliveries_completed: retention bounds its walk by created_at instead (a delivery completes
//   after it is created), through deliveries_by_subscription (retention.ts).
// - delivery_attempts loses its text primary key (no attempt is looked up by id; the rowid orders
//   them) and its started_at index: the per-minute figure reads delivery_attempts_subscription over
//   every subscription (an attempt's subscription always exists: ON DELETE CASCADE).
// Rebuilding the attempt log makes the first start after the upgrade longer: measured 5.6 s for a
// million attempts (bench/store-turns.ts's machine, loaded).
import type { Migration } from './index.js';

export const m0017_lean_delivery_writes: Migration = {
  version: 17,
  name: 'lean_delivery_writes',
  sql: /* sql */ `
DROP INDEX deliveries_subscription_status;
DROP INDEX deliveries_by_status;
CREATE INDEX deliveries_by_status ON deliveries (subscription_id, status, id) WHERE status <> 'succeeded';
DROP INDEX deliveries_completed;
CREATE TABLE delivery_attempts_lean (
  id TEXT NOT NULL,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  trigger TEXT NOT NULL,                -- scheduled | manual
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_excerpt TEXT,
  next_attempt_at INTEGER,              -- null when no further attempt is planned
  subscription_id TEXT,
  response_headers TEXT                 -- JSON [[name, value], ...]
);
INSERT INTO delivery_attempts_lean (rowid, id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, next_attempt_at, subscription_id, response_headers)
  SELECT rowid, id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_excerpt, next_attempt_at, subscription_id, response_headers
  FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_lean RENAME TO delivery_attempts;
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);
CREATE INDEX delivery_attempts_subscription ON delivery_attempts (subscription_id, started_at, status_code);
`,
};
