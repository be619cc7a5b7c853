// The PostgreSQL schema, first version: SQLite's schema as of its migration 8 (same columns, same
// meanings, same time formats: ms as BIGINT, ISO text where SQLite keeps text) plus what several
// replicas need: source leases, the fan-out queue, live replicas and periodic-job ticks.
import type { PgMigration } from './index.js';

// Ids and ISO times that are sorted or compared by range are COLLATE "C": byte order, as SQLite
// compares them, whatever the database's default collation (en_US would sort "a-2" after "a10").
// Lead records stay TEXT, not JSONB: sync compares a listed record with the stored one by their JSON
// text first (most leads of a poll are unchanged), and JSONB would not give the text back as written.
export const m0001_initial: PgMigration = {
  version: 1,
  name: 'initial',
  sql: /* sql */ `
CREATE TABLE sources (
  id TEXT COLLATE "C" PRIMARY KEY,
  vendor TEXT NOT NULL,
  cursor TEXT,                          -- adapter-defined JSON, committed with each page
  initial_sync_completed_at TEXT,
  last_sync_started_at TEXT,
  last_sync_finished_at TEXT,
  last_sync_result TEXT,                -- running | ok | error | interrupted
  last_success_at TEXT,
  last_error_code TEXT,
  last_error_message TEXT,
  last_stats TEXT,
  scan_generation BIGINT NOT NULL DEFAULT 0,
  last_complete_scan_at TEXT,
  held_deletes INTEGER NOT NULL DEFAULT 0,
  warning_code TEXT,
  warning_message TEXT,
  -- The poller's lease: one replica at a time. lease_token only grows; every write of a sync run
  -- checks it (a fencing token), so a replica that lost the lease cannot commit.
  lease_owner TEXT,
  lease_token BIGINT NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  sync_requested_at BIGINT              -- a poll asked for through the API, on any replica
);

CREATE TABLE leads (
  source_id TEXT NOT NULL,
  lead_id TEXT COLLATE "C" NOT NULL,
  hash TEXT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT false,
  deleted_reason TEXT,                  -- vendor_deleted | missing
  lead TEXT NOT NULL,                   -- normalized lead without raw (JSON)
  raw TEXT NOT NULL,                    -- the vendor's record (JSON text as received)
  state TEXT,                           -- adapter's per-lead cursor (JSON)
  first_seen_at TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  missing_scans INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source_id, lead_id)
);
-- Live/deleted counts and the missing leads of a source without reading rows.
CREATE INDEX leads_live ON leads (source_id, deleted, missing_scans);

CREATE TABLE scan_seen (
  source_id TEXT NOT NULL,
  scan BIGINT NOT NULL,
  lead_id TEXT NOT NULL
);
CREATE INDEX scan_seen_scan ON scan_seen (source_id, scan, lead_id);

CREATE TABLE lead_events (
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  event_key TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (source_id, lead_id, event_key)
);

CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  body TEXT NOT NULL                    -- the exact webhook body
);
CREATE INDEX events_created_at ON events (created_at, seq);
CREATE INDEX events_lead ON events (source_id, lead_id, seq);

-- Events not fanned out yet, one row per event, inserted in the page's transaction. A cursor on seq
-- (as SQLite uses) is not safe here: identity values are taken in one order and committed in
-- another by concurrent transactions (two replicas' pages), so a cursor could pass an event that
-- commits later with a smaller seq. Fan-out takes rows from this queue under an advisory lock.
CREATE TABLE fanout_pending (
  seq BIGINT PRIMARY KEY
);

CREATE TABLE subscriptions (
  id TEXT COLLATE "C" PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secrets TEXT NOT NULL DEFAULT '[]',
  events TEXT NOT NULL,                 -- JSON array of type patterns
  sources TEXT,                         -- JSON array of source ids, null = all
  description TEXT,
  headers TEXT,
  max_per_second DOUBLE PRECISION,
  max_concurrency INTEGER,
  enabled BOOLEAN NOT NULL DEFAULT true,
  disabled_reason TEXT,
  disabled_at BIGINT,
  failing_since BIGINT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  circuit_open_until BIGINT,
  circuit_failed_probes INTEGER NOT NULL DEFAULT 0,
  origin TEXT NOT NULL,                 -- config | api | hook
  created_by TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX subscriptions_created ON subscriptions (created_at, id);

CREATE TABLE deliveries (
  id TEXT COLLATE "C" PRIMARY KEY,      -- bytewise, as SQLite compares: the API pages by id
  subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  event_seq BIGINT NOT NULL REFERENCES events (seq),
  lead_key TEXT NOT NULL,               -- source_id/lead_id: one lead's deliveries go out in event_seq order
  status TEXT NOT NULL,                 -- pending | succeeded | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  locked_until BIGINT,                  -- lease of an attempt in flight
  lease_token BIGINT NOT NULL DEFAULT 0,  -- fencing token of the current claim
  manual BOOLEAN NOT NULL DEFAULT false,
  last_status_code INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT
) WITH (fillfactor = 80);             -- room for HOT updates: claims and outcomes rewrite rows in place
CREATE INDEX deliveries_due ON deliveries (subscription_id, next_attempt_at, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_lead_order ON deliveries (subscription_id, lead_key, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_completed ON deliveries (completed_at) WHERE status <> 'pending';
CREATE INDEX deliveries_event ON deliveries (event_seq);
-- Leases held right now (an outcome or a release clears locked_until): a small index however long
-- the backlog, for counting a subscription's attempts in flight (all replicas) against its maxConcurrency.
CREATE INDEX deliveries_leased ON deliveries (subscription_id, locked_until) WHERE locked_until IS NOT NULL;

CREATE TABLE delivery_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  trigger TEXT NOT NULL,                -- scheduled | manual
  started_at BIGINT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_excerpt TEXT,
  next_attempt_at BIGINT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);

CREATE TABLE install_keys (
  name TEXT PRIMARY KEY,
  key BYTEA NOT NULL,
  created_at TEXT NOT NULL
);
-- gen_random_uuid() draws on pg_strong_random (the OS's CSPRNG): two v4 UUIDs give 244 random bits.
INSERT INTO install_keys (name, key, created_at)
VALUES ('header-fingerprint', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'),
        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

-- Processes sharing this database, with their last heartbeat.
CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);

-- Periodic jobs run once per slot across the cluster: the replica whose insert wins runs it.
CREATE TABLE ticks (
  job TEXT NOT NULL,
  slot BIGINT NOT NULL,
  replica_id TEXT NOT NULL,
  claimed_at BIGINT NOT NULL,
  PRIMARY KEY (job, slot)
);
`,
};
