// What migrate-storage copies from a SQLite database into PostgreSQL, table by table, in the order
// the foreign keys need; and what it deliberately leaves behind. Data only: the copy is in copy.ts.

/** One table copied column for column (same names in both schemas). */
export interface TableCopy {
  table: string;
  /** Columns read from SQLite and written to PostgreSQL. */
  columns: readonly string[];
  /** SQLite integers 0/1 that PostgreSQL keeps as BOOLEAN. */
  booleans?: readonly string[];
  /** SQLite BLOBs that PostgreSQL keeps as BYTEA. */
  bytes?: readonly string[];
  /**
   * The SQLite key read in order, batch after batch (keyset: each batch one index seek):
   * rowid for rowid tables, the primary key for WITHOUT ROWID ones.
   */
  key: readonly string[];
  /** Columns of either schema not copied, each with why: they take their PostgreSQL default. */
  reset?: Readonly<Record<string, string>>;
  /** PostgreSQL generates this column (GENERATED ALWAYS): written as copied, its sequence moved past the largest. */
  identity?: string;
  /** Rows PostgreSQL's migrations made already: a copied row replaces the one with the same value here. */
  replaceOn?: string;
}

export const TABLES: readonly TableCopy[] = [
  {
    table: 'sources',
    columns: [
      'id', 'vendor', 'cursor', 'initial_sync_completed_at', 'last_sync_started_at', 'last_sync_finished_at',
      'last_sync_result', 'last_success_at', 'last_error_code', 'last_error_message', 'last_stats',
      'scan_generation', 'last_complete_scan_at', 'held_deletes', 'warning_code', 'warning_message',
    ],
    key: ['rowid'],
    // The replicas take the sources afresh; token 0 is where a new database starts too.
    reset: {
      lease_owner: 'no replica holds a lease yet',
      lease_token: 'fencing starts over',
      lease_expires_at: 'no lease',
      sync_requested_at: 'every source is polled at the first start anyway',
    },
  },
  {
    table: 'leads',
    columns: ['source_id', 'lead_id', 'hash', 'deleted', 'deleted_reason', 'lead', 'raw', 'state', 'first_seen_at', 'changed_at', 'missing_scans'],
    booleans: ['deleted'],
    key: ['rowid'],
  },
  { table: 'scan_seen', columns: ['source_id', 'scan', 'lead_id'], key: ['rowid'] },
  { table: 'lead_events', columns: ['source_id', 'lead_id', 'event_key', 'hash'], key: ['source_id', 'lead_id', 'event_key'] },
  // seq kept as it is: deliveries point at it, and the event log pages by it.
  { table: 'events', columns: ['seq', 'id', 'type', 'source_id', 'lead_id', 'created_at', 'body'], key: ['seq'], identity: 'seq' },
  {
    table: 'subscriptions',
    columns: [
      'id', 'url', 'secret', 'previous_secrets', 'events', 'sources', 'description', 'headers', 'max_per_second',
      'max_concurrency', 'content_filter', 'payload_options', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since', 'consecutive_failures',
      'circuit_open_until', 'circuit_failed_probes', 'origin', 'created_by', 'created_at', 'updated_at',
    ],
    booleans: ['enabled'],
    key: ['rowid'],
  },
  { table: 'subscription_filtered', columns: ['subscription_id', 'filtered'], key: ['rowid'] },
  {
    table: 'deliveries',
    columns: [
      'id', 'subscription_id', 'event_seq', 'lead_key', 'status', 'attempts', 'next_attempt_at', 'manual',
      'last_status_code', 'last_error', 'created_at', 'updated_at', 'completed_at',
    ],
    booleans: ['manual'],
    key: ['rowid'],
    // As a SQLite relay does at start (releaseLeasesAtStart): an attempt in flight when it stopped
    // is due again; its attempts count stays, since the request may have gone out.
    reset: { locked_until: 'no attempt is in flight', lease_token: 'claims start over' },
  },
  {
    table: 'delivery_attempts',
    columns: ['id', 'delivery_id', 'subscription_id', 'attempt', 'trigger', 'started_at', 'duration_ms', 'status_code', 'error', 'response_excerpt', 'response_headers', 'next_attempt_at'],
    key: ['rowid'],
  },
  // Replaces the key PostgreSQL's first migration drew: header fingerprints stay the same.
  { table: 'install_keys', columns: ['name', 'key', 'created_at'], bytes: ['key'], key: ['rowid'], replaceOn: 'name' },
];

/** Tables of one schema that are not copied, and why. */
export const LEFT_BEHIND: Readonly<Record<string, string>> = {
  cursors: "SQLite's fan-out position: the events after it become PostgreSQL's fanout_pending queue",
  replicas: 'the processes that used the SQLite file; PostgreSQL replicas register themselves',
  ticks: 'periodic-job slots already run; a new slot is claimed at the next interval',
  schema_migrations: 'each database records its own migrations',
  fanout_pending: 'PostgreSQL only: filled from the events SQLite had not fanned out yet',
  dashboard_sessions: 'dashboard logins end with the move: operators log in again on the new database',
  attempt_hours: 'a cache of the attempt log, counted again from delivery_attempts as the dashboard needs it',
  delivery_leases: 'PostgreSQL only: attempts in flight, and none is (deliveries.locked_until is reset)',
};

/** The queue PostgreSQL fans out from: SQLite's events past its fan-out cursor (pings never queue). */
export const FANOUT_QUEUE = 'fanout_pending';
