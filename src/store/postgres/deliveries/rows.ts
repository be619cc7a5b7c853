// Subscription rows as PostgreSQL's row_to_json gives them (fan-out reads them in its one round
// trip) turned into the contract's Subscription.
import type { Subscription, SubscriptionOrigin } from '../../types.js';
import { numOrNull } from './client.js';

export interface SubscriptionJson {
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
  /** Absent while a replica of the previous version runs on a schema before migration 3. */
  content_filter?: string | null;
  payload_options?: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: number | string | null;
  failing_since: number | string | null;
  consecutive_failures: number;
  circuit_open_until: number | string | null;
  origin: SubscriptionOrigin;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export function subscriptionFromJson(r: SubscriptionJson): Subscription {
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
    filter: r.content_filter ? JSON.parse(r.content_filter) : null,
    payload: r.payload_options ? JSON.parse(r.payload_options) : null,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: numOrNull(r.disabled_at),
    failingSince: numOrNull(r.failing_since),
    consecutiveFailures: r.consecutive_failures,
    circuitOpenUntil: numOrNull(r.circuit_open_until),
    origin: r.origin,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
