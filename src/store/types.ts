// The data the store contract (contract.ts) speaks in, shared by both backends and by callers.
import type { DeleteReason, JsonObject, NormalizedLead, OutboxEvent, PayloadOptions, WebhookType } from '../model.js';

export interface SourceRow {
  id: string;
  vendor: string;
  cursor: unknown;
  initialSyncCompletedAt: string | null;
  lastSyncStartedAt: string | null;
  lastSyncFinishedAt: string | null;
  lastSyncResult: string | null;
  lastSuccessAt: string | null;
  lastError: { code: string; message: string } | null;
  lastStats: Record<string, unknown> | null;
  lastCompleteScanAt: string | null;
  heldDeletes: number;
  warning: { code: string; message: string } | null;
  leadCount: number;
  deletedLeadCount: number;
}

export interface StoredLead {
  hash: string;
  deleted: boolean;
  deletedReason: DeleteReason | null;
  lead: NormalizedLead;
  state: unknown;
  /** lead.raw exactly as stored (JSON.stringify of it); absent when the lead did not come from the store. */
  rawJson?: string;
  /** Complete scans in a row that did not list it (0 when absent). */
  missingScans?: number;
}

export interface LeadWrite {
  leadId: string;
  hash: string;
  deleted: boolean;
  deletedReason: DeleteReason | null;
  lead: NormalizedLead;
  state: unknown;
  /** JSON.stringify(lead.raw), when the caller has it already. */
  rawJson?: string;
}

/** A lead a complete scan did not list, with how many complete scans in a row missed it. */
export interface MissingLead extends StoredLead {
  leadId: string;
  missingScans: number;
}

/** What to do with the leads missing from two consecutive complete scans (decided in sync/). */
export interface MissingDecision {
  /** Apply the deletes (false: hold them and warn). */
  apply: boolean;
  writes: LeadWrite[];
  outbox: OutboxEvent[];
  warning: { code: string; message: string } | null;
}

export interface LeadEventWrite {
  leadId: string;
  key: string;
  hash: string;
}

export interface PageWrite {
  leads: LeadWrite[];
  leadEvents: LeadEventWrite[];
  outbox: OutboxEvent[];
  /** Undefined leaves the stored cursor as it is. */
  cursor?: unknown;
  /**
   * Part of a full scan: every lead id listed on the page is marked seen in this scan generation;
   * `missed` are those of them an earlier complete scan missed (missingScans > 0), now found again.
   */
  seen?: { scan: number; leadIds: readonly string[]; missed: readonly string[] };
}

export interface StoredEvent {
  seq: number;
  id: string;
  type: WebhookType;
  sourceId: string;
  leadId: string;
  createdAt: string;
  body: string;
}

/** An event without its body. */
export type EventHead = Pick<StoredEvent, 'seq' | 'type' | 'sourceId' | 'leadId'>;

/**
 * An event as fan-out offers it to the subscriptions: its head, and its body parsed (read and
 * parsed on the first call only, so events no filter looks at cost nothing extra).
 */
export interface FanOutEvent extends EventHead {
  payload(): unknown;
}

/** Fan-out's answer for one (event, subscription): send it, not wanted (type, source), or wanted but its filter said no (counted). */
export type FanOutDecision = 'deliver' | 'skip' | 'filtered';

/** Where an event sits in created_at order (ties broken by seq). */
export type EventPosition = Pick<StoredEvent, 'createdAt' | 'seq'>;

export interface Subscription {
  id: string;
  url: string;
  secret: string;
  /**
   * Secrets replaced by rotations, newest first: each signs too until its own grace period ends.
   * Entries past their end are ignored (see signingSecrets) and dropped at the next rotation.
   */
  previousSecrets: PreviousSecret[];
  events: string[];
  sources: string[] | null;
  description: string | null;
  /** Static request headers (e.g. Authorization for receivers without HMAC checks). Secret values. */
  headers: Record<string, string>;
  maxPerSecond: number | null;
  maxConcurrency: number | null;
  /**
   * Content filter matched against the webhook body at fan-out (docs/filters.md); null: every event
   * its events/sources select. Checked before it is stored (src/delivery/filter).
   */
  filter: JsonObject | null;
  /** What of the body it receives (compact payloads); null: the full body of docs/webhooks.md. */
  payload: PayloadOptions | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: number | null;
  /** Health: first failure of the current unbroken run of failures, and how many in a row. */
  failingSince: number | null;
  consecutiveFailures: number;
  /** Circuit breaker: no attempts before this time, then a single probe. */
  circuitOpenUntil: number | null;
  /** config: the config file; api: POST /v1/subscriptions; hook: a REST hook (POST /v1/hooks, Zapier). */
  origin: SubscriptionOrigin;
  /** Name of the API token that created it ("admin" for server.adminToken); null for config ones. */
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionOrigin = 'config' | 'api' | 'hook';

export type { PayloadOptions } from '../model.js';

export interface PreviousSecret {
  secret: string;
  /** ms; it signs while now < expiresAt. */
  expiresAt: number;
}

/** What an operator (API or config) may change. */
export type SubscriptionPatch = Partial<
  Pick<
    Subscription,
    | 'url'
    | 'secret'
    | 'previousSecrets'
    | 'events'
    | 'sources'
    | 'description'
    | 'headers'
    | 'maxPerSecond'
    | 'maxConcurrency'
    | 'filter'
    | 'payload'
    | 'enabled'
    | 'disabledReason'
    | 'disabledAt'
    | 'failingSince'
    | 'consecutiveFailures'
    | 'circuitOpenUntil'
  >
>;

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  attempt: number;
  /** An operator asked for this attempt (POST /v1/deliveries/:id/retry). */
  manual: boolean;
  event: StoredEvent;
  /**
   * The claim's fencing token: recording the outcome (or releasing the claim) checks it, so an
   * attempt whose lease ran out and was claimed again elsewhere cannot overwrite the new claim's record.
   */
  leaseToken: number;
}

/** The subscription-health rules recordAttempt applies in the same transaction. */
export interface HealthPolicy {
  circuitBreakerAfter: number;
  circuitBreakerCooldownMs: number;
  autoDisableAfterMs: number;
  /** For the disabled reason, e.g. "5d". */
  autoDisableAfterText: string;
}

export interface AttemptRecord {
  id: string;
  deliveryId: string;
  attempt: number;
  trigger: 'scheduled' | 'manual';
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  /**
   * The receiver's response headers as sent (name, value), at most RESPONSE_HEADERS_MAX of them with
   * values cut to size and the subscription's secrets redacted; null when no response came.
   */
  responseHeaders?: Array<[string, string]> | null;
  /** Set when the delivery stays pending; null when it is finished. */
  nextAttemptAt: number | null;
  outcome: 'succeeded' | 'retry' | 'failed';
  /**
   * Set when this outcome disables the subscription (e.g. 410 Gone). A REST hook (origin 'hook')
   * answered with 410 is removed instead: the REST Hooks convention for "unsubscribe me".
   */
  disableSubscription?: string;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  sourceId: string;
  leadId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  attemptLog: Array<Omit<AttemptRecord, 'outcome' | 'disableSubscription' | 'deliveryId'>>;
}

/** One finished attempt for recordAttempts: the record, its subscription, and when it finished. */
export interface RecordRequest {
  attempt: AttemptRecord;
  subscriptionId: string;
  /** The token the delivery was claimed with (ClaimedDelivery.leaseToken). */
  leaseToken: number;
  now: number;
}

/** Which deliveries of a subscription a list (or a bulk retry) is about; every field narrows it. */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  /** The event's type, exactly (lead.created, ping, ...). */
  eventType?: string;
  /** The event's lead id, in any source. */
  leadId?: string;
  /** Created at or after (ms). */
  since?: number;
  /** Created before (ms). */
  until?: number;
}

export interface NewDeliveryIds {
  (): string;
}

export interface EventLogFilter {
  /** Any of these types (none: all). */
  types?: readonly string[];
  sourceId?: string;
  /** A lead id; without sourceId it matches that id in every source. */
  leadId?: string;
  /** ISO 8601 UTC as written by toISOString(): created_at >= since. */
  since?: string;
  /** ISO 8601 UTC as written by toISOString(): created_at < until. */
  until?: string;
  /** Only events older than this seq (the last seq of the previous page). */
  beforeSeq?: number;
  /**
   * Only events newer than this seq (the first seq of the page after): the `limit` oldest of them,
   * still returned newest first. The dashboard's "newer" link.
   */
  afterSeq?: number;
  limit: number;
}

/** How many deliveries of one event are in one state (the event log's brief delivery column). */
export interface EventDeliveryCount {
  eventSeq: number;
  status: 'pending' | 'succeeded' | 'failed';
  count: number;
}

export type InstallKeyName = 'header-fingerprint';

/** A subscription as the config file lists it (subscriptions[]). */
export type ConfigSubscription = Pick<
  Subscription,
  'id' | 'url' | 'events' | 'sources' | 'description' | 'enabled' | 'headers' | 'maxPerSecond' | 'maxConcurrency' | 'filter' | 'payload'
> & { secret?: string };

/** A running relay process sharing the database. */
export interface ReplicaInfo {
  id: string;
  version: string;
  startedAt: number;
  lastSeenAt: number;
}

/** Who polls a source: the lease as stored (an expired one is free to take). */
export interface SourceLeaseView {
  sourceId: string;
  owner: string | null;
  token: number;
  expiresAt: number | null;
}

/** A logged-in dashboard browser (SessionOps). The session id itself is never stored, only its hash. */
export interface DashboardSession {
  /** sha256 (hex) of the session id the cookie carries. */
  idHash: string;
  /** The token that logged in: its name, and a keyed hash of it (a changed token ends the session). */
  tokenName: string;
  tokenCheck: string;
  /** The token's scopes at login (the dashboard checks them against the config on every request too). */
  scopes: string[];
  /** What the session's forms post in their hidden field (CSRF). */
  csrfToken: string;
  /** ms */
  createdAt: number;
  /** ms; the session ends then, whatever happens before. */
  expiresAt: number;
}

/** Delivery attempts that started in one minute (all subscriptions): 2xx answers vs the rest. */
export interface MinuteStats {
  /** ms, the minute's start (a multiple of 60,000). */
  minute: number;
  succeeded: number;
  failed: number;
}

/** One subscription's attempts over a window and, within it, a more recent one (e.g. a day and its last hour). */
export interface SubscriptionAttemptStats {
  subscriptionId: string;
  attempts: number;
  succeeded: number;
  recentAttempts: number;
  recentSucceeded: number;
}
