// Subscription rows on PostgreSQL and back: JSON text columns as in SQLite, booleans and BIGINT ms
// times native. Rows are written as JSON objects through json_populate_record(set), so one
// parameter carries a whole row, or every row of a batch.
import type { Subscription, SubscriptionOrigin } from '../../types.js';

export interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  previous_secrets: string;
  events: string;
  sources: string | null;
  description: string | null;
  headers: string | null;
  max_per_second: number | null;
  max_concurrency: number | null;
  content_filter: string | null;
  payload_options: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
  circuit_open_until: number | null;
  origin: SubscriptionOrigin;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** The columns a Subscription covers (circuit_failed_probes is the delivery side's own). */
export const COLUMNS = [
  'id', 'url', 'secret', 'previous_secrets', 'events', 'sources', 'description', 'headers', 'max_per_second',
  'max_concurrency', 'content_filter', 'payload_options', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since', 'consecutive_failures',
  'circuit_open_until', 'origin', 'created_by', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof SubscriptionRow>;

export const COLUMN_LIST = COLUMNS.join(', ');

export function toRow(s: Subscription): SubscriptionRow {
  return {
    id: s.id,
    url: s.url,
    secret: s.secret,
    previous_secrets: JSON.stringify(s.previousSecrets),
    events: JSON.stringify(s.events),
    sources: s.sources === null ? null : JSON.stringify(s.sources),
    description: s.description,
    headers: Object.keys(s.headers).length ? JSON.stringify(s.headers) : null,
    max_per_second: s.maxPerSecond,
    max_concurrency: s.maxConcurrency,
    content_filter: s.filter === null ? null : JSON.stringify(s.filter),
    payload_options: s.payload === null ? null : JSON.stringify(s.payload),
    enabled: s.enabled,
    disabled_reason: s.disabledReason,
    disabled_at: s.disabledAt,
    failing_since: s.failingSince,
    consecutive_failures: s.consecutiveFailures,
    circuit_open_until: s.circuitOpenUntil,
    origin: s.origin,
    created_by: s.createdBy,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function fromRow(r: SubscriptionRow): Subscription {
  return {
    id: r.id,
    url: r.url,
    secret: r.secret,
    previousSecrets: JSON.parse(r.previous_secrets),
    events: JSON.parse(r.events),
    sources: r.sources === null ? null : JSON.parse(r.sources),
    description: r.description,
    headers: r.headers ? JSON.parse(r.headers) : {},
    maxPerSecond: r.max_per_second,
    maxConcurrency: r.max_concurrency,
    filter: r.content_filter === null ? null : JSON.parse(r.content_filter),
    payload: r.payload_options === null ? null : JSON.parse(r.payload_options),
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    failingSince: r.failing_since,
    consecutiveFailures: r.consecutive_failures,
    circuitOpenUntil: r.circuit_open_until,
    origin: r.origin,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** INSERT of the rows in $1 (a JSON array of SubscriptionRow). */
export const INSERT_ROWS = `INSERT INTO subscriptions (${COLUMN_LIST})
  SELECT ${COLUMN_LIST} FROM json_populate_recordset(NULL::subscriptions, $1::json)`;

/** UPDATE of every column of the rows in $1 (a JSON array of SubscriptionRow), matched by id. */
export const UPDATE_ROWS = `UPDATE subscriptions s SET ${COLUMNS.filter((c) => c !== 'id')
  .map((c) => `${c} = n.${c}`)
  .join(', ')}
  FROM json_populate_recordset(NULL::subscriptions, $1::json) AS n WHERE s.id = n.id`;
