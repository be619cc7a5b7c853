// The first schema: sources and their cursors, the lead snapshot, the event outbox, subscriptions, deliveries.
import type { Migration } from './index.js';

export const m0001_initial: Migration = {
  version: 1,
  name: 'initial',
  sql: /* sql */ `
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  vendor TEXT NOT NULL,
  cursor TEXT,                          -- adapter-defined JSON, committed with each page
  initial_sync_completed_at TEXT,       -- null until one sync ran to the end
  last_sync_started_at TEXT,
  last_sync_finished_at TEXT,
  last_sync_result TEXT,                -- running | ok | error
  last_success_at TEXT,
  last_error_code TEXT,
  last_error_message TEXT,
  last_stats TEXT                       -- JSON summary of the last run
);

-- The last known state of every lead, per source. raw is the vendor record exactly as received.
CREATE TABLE leads (
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  hash TEXT NOT NULL,                   -- content hash of raw, key-order independent
  deleted INTEGER NOT NULL DEFAULT 0,
  lead TEXT NOT NULL,                   -- normalized lead without raw
  raw TEXT NOT NULL,
  state TEXT,                           -- adapter's per-lead cursor (e.g. event "since")
  first_seen_at TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  PRIMARY KEY (source_id, lead_id)
) WITHOUT ROWID;

-- Interaction events already seen, by a vendor-stable key, to tell added from updated.
CREATE TABLE lead_events (
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  event_key TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (source_id, lead_id, event_key)
) WITHOUT ROWID;

-- The outbox: every detected change, immutable, committed with the snapshot change that caused it.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  body TEXT NOT NULL                    -- the exact webhook body
);
CREATE INDEX events_created_at ON events (created_at);
CREATE INDEX events_lead ON events (source_id, lead_id, seq);

CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,                 -- JSON array of type patterns
  sources TEXT,                         -- JSON array of source ids, null = all
  description TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  origin TEXT NOT NULL,                 -- config | api
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Named cursors of internal loops (e.g. how far the outbox has been fanned out to deliveries).
CREATE TABLE cursors (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

-- One row per (event, subscription) send; its state is the queue. Times are epoch milliseconds.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  event_seq INTEGER NOT NULL REFERENCES events (seq),
  lead_key TEXT NOT NULL,               -- source_id/lead_id: one lead's deliveries go out in event_seq order
  status TEXT NOT NULL,                 -- pending | succeeded | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  locked_until INTEGER,                 -- lease of an attempt in flight
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_next ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lead_order ON deliveries (subscription_id, lead_key, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, created_at);

-- Append-only log of every attempt.
CREATE TABLE delivery_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  trigger TEXT NOT NULL,                -- scheduled | manual
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_excerpt TEXT,
  next_attempt_at INTEGER               -- null when no further attempt is planned
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);
`,
};
