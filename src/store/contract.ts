// The store contract: every read and write the relay makes, as one async interface that the SQLite
// backend (the embedded default, one process) and the PostgreSQL backend (several replicas on one
// database) both implement, and that one contract test suite (test/store-contract.test.ts) runs
// unchanged against both. Nothing outside src/store/ speaks SQL; nothing outside knows which backend
// it talks to, except where a method says so.
//
// Times: `now` arguments are milliseconds from the relay's clock (injected in tests), ISO strings
// where the column holds one. Leases compare against the caller's `now` too: replica clocks should be
// NTP-synced, and the fencing tokens keep things safe where they are not.
import type { OutboxEvent } from '../model.js';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStatus,
  DeliveryView,
  DeliveryFilter,
  EventHead,
  EventDeliveryCount,
  EventLogFilter,
  FanOutDecision,
  FanOutEvent,
  EventPosition,
  HealthPolicy,
  MissingDecision,
  MissingLead,
  PageWrite,
  RecordRequest,
  SourceRow,
  StoredEvent,
  StoredLead,
  Subscription,
  SubscriptionPatch,
  ConfigSubscription,
  InstallKeyName,
  ReplicaInfo,
  SourceLeaseView,
  DashboardSession,
  MinuteStats,
  SubscriptionAttemptStats,
} from './types.js';

export type StorageKind = 'sqlite' | 'postgres';

/**
 * Proof that the caller holds a source's lease: the replica and the token the lease was granted
 * with. Every write of a sync run passes it, and the write checks it in its own transaction, so a
 * replica that stalled past its lease (GC pause, SIGSTOP, partition) and lost the source to another
 * can never commit: the write throws LeaseLostError (store/errors.ts) and changes nothing.
 */
export interface Fence {
  sourceId: string;
  replicaId: string;
  token: number;
}

export interface SourceOps {
  /**
   * Registers configured sources (a source keeps its cursor and snapshot across restarts). A run
   * still marked running whose source has no live lease was cut short by a crash: it becomes
   * 'interrupted' (its committed pages stand). SQLite: one relay owns the file, so every lease in
   * it belonged to a process that is gone: all are voided, and every run left running is interrupted.
   */
  register(sources: ReadonlyArray<{ id: string; vendor: string }>, now: number): Promise<void>;
  get(id: string): Promise<SourceRow | undefined>;
  /** Every source, with lead counts (for the API and metrics; costs a count per source). */
  list(): Promise<SourceRow[]>;
  /** What a sync run starts from, without list()'s lead counts (a fixed cost on every poll). */
  syncStart(id: string): Promise<Pick<SourceRow, 'cursor' | 'initialSyncCompletedAt'> | undefined>;
  markStarted(id: string, atIso: string, fence: Fence | null): Promise<void>;
  markSucceeded(id: string, atIso: string, stats: Record<string, unknown>, fence: Fence | null): Promise<void>;
  markFailed(id: string, atIso: string, error: { code: string; message: string }, stats: Record<string, unknown>, fence: Fence | null): Promise<void>;
  /** A warning shown on GET /v1/sources until the next complete scan replaces it (null clears it). */
  setWarning(id: string, warning: { code: string; message: string } | null, fence: Fence | null): Promise<void>;
  /**
   * Asks whichever replica polls the source to poll it now (POST /v1/sources/:id/sync on another
   * replica): recorded on the source row, and announced (Store.onSyncRequested) where the backend can.
   */
  requestSync(id: string, now: number): Promise<void>;
  /** When each source's poll was last asked for (requestSync), for sources where it ever was. */
  syncRequests(): Promise<Array<{ sourceId: string; requestedAt: number }>>;
}

export interface SnapshotOps {
  /** Stored leads by id, one round trip for the whole page. */
  getLeads(sourceId: string, leadIds: readonly string[]): Promise<Map<string, StoredLead>>;
  /** Seen event hashes by lead id, then by event key. */
  getLeadEventHashes(sourceId: string, leadIds: readonly string[]): Promise<Map<string, Map<string, string>>>;
  /**
   * Commits one page atomically: snapshot rows, seen event hashes, scan marks, outbox events and the
   * source cursor. A crash leaves all of it or none of it. With a fence, checked in the same
   * transaction (LeaseLostError, nothing written).
   */
  applyPage(sourceId: string, page: PageWrite, nowIso: string, fence: Fence | null): Promise<void>;
  /** Starts a full scan: a new scan generation; marks of a scan that never completed are dropped. */
  beginScan(sourceId: string, fence: Fence | null): Promise<number>;
  /** The distinct lead ids a scan has marked as listed so far (before completeScan clears them). */
  countListed(sourceId: string, scan: number): Promise<number>;
  /**
   * Ends a complete scan, atomically: every live lead it did not list has missed one more scan; those
   * missed by `threshold` scans in a row go to `decide` (pure), whose deletes are applied or held here.
   */
  completeScan(
    sourceId: string,
    scan: number,
    threshold: number,
    nowIso: string,
    decide: (missing: MissingLead[], liveCount: number) => MissingDecision,
    fence: Fence | null,
  ): Promise<MissingDecision>;
  /** Re-decides leads already missed by `threshold` scans (an operator releasing held deletes). */
  settleMissingNow(
    sourceId: string,
    threshold: number,
    nowIso: string,
    decide: (missing: MissingLead[], liveCount: number) => MissingDecision,
  ): Promise<MissingDecision>;
}

export interface EventOps {
  /** The event log (GET /v1/events): newest first. */
  list(filter: EventLogFilter): Promise<StoredEvent[]>;
  /** The deliveries of these events counted by state (one index probe per event; for a page of them). */
  deliveryCounts(seqs: readonly number[]): Promise<EventDeliveryCount[]>;
  /** Events created in [since, until), test pings included, counted up to `limit`. */
  countCreatedBetween(sinceIso: string, untilIso: string, limit: number): Promise<number>;
  /** Detected changes (no pings) in [since, until) without bodies, oldest first, `limit` after `after`. */
  headsCreatedBetween(sinceIso: string, untilIso: string, after: EventPosition | null, limit: number): Promise<Array<EventHead & EventPosition>>;
  /** One event by its id (evt_…), body included. */
  get(id: string): Promise<StoredEvent | undefined>;
  /** The bodies of these events, by seq (unknown seqs are left out): one round trip. */
  bodies(seqs: readonly number[]): Promise<Map<number, string>>;
}

export interface SubscriptionOps {
  get(id: string): Promise<Subscription | undefined>;
  /** Every subscription, oldest first. */
  list(): Promise<Subscription[]>;
  /** Oldest first, `limit` of them after the one `after` names (keyset: deletes in between shift nothing). */
  listPage(opts: { after?: { createdAt: string; id: string }; limit: number }): Promise<Subscription[]>;
  /** Inserts unless `max` subscriptions exist already (counted and inserted atomically, cluster-wide). */
  insertWithinLimit(sub: Subscription, max: number): Promise<boolean>;
  /** Read-modify-write in one transaction; undefined when unknown. */
  update(id: string, patch: SubscriptionPatch, nowIso: string): Promise<Subscription | undefined>;
  delete(id: string): Promise<boolean>;
  /**
   * How many events each subscription's filter kept back since it was created (fan-out counts
   * them, cluster-wide), by subscription id; a subscription whose filter never said no is absent.
   */
  filteredCounts(): Promise<Map<string, number>>;
  /**
   * Makes the config-defined subscriptions match the config (subscription-model.ts planConfigSync):
   * idempotent, and safe when several replicas apply the same config at once.
   */
  syncFromConfig(wanted: readonly ConfigSubscription[], generateSecret: () => string, now: number, graceMs: number): Promise<{ secretsCutShort: string[] }>;
}

/** What one delivery-worker turn asks of the store; done in one transaction. */
export interface DeliveryTurn {
  /** Finished attempts to record, in the order they finished. */
  records: readonly RecordRequest[];
  health: HealthPolicy;
  /** Fan out up to this many outbox events not yet fanned out (0: skip). */
  fanOutLimit: number;
  /**
   * Whether an event goes to a subscription (pure): 'deliver'; 'skip' (its events/sources do not
   * select it); 'filtered' (they do, but its content filter says no: counted per subscription, in
   * the same transaction). event.payload() reads and parses the body on first use only.
   */
  match(event: FanOutEvent, sub: Subscription): FanOutDecision;
  newDeliveryId(): string;
  /**
   * How many due deliveries to claim per subscription (what the worker's in-process limits allow).
   * The store claims only for subscriptions that are enabled and whose circuit is not open at `now`
   * (one probe at a time once the pause is over), as the rows say at claim time: an outcome recorded
   * in this same turn, by this or another replica, is seen.
   */
  claims: ReadonlyArray<{ subscriptionId: string; limit: number }>;
  /** At most this many claims in all (the worker's free slots), taken in the order of `claims`. */
  maxTotal: number;
  now: number;
  /** Claimed deliveries are leased until then; a lease that runs out is claimable again. */
  leaseUntil: number;
}

export interface DeliveryTurnResult {
  /** Per record: true, false (the delivery is gone, or its lease was taken over), or the error. */
  recorded: Array<boolean | Error>;
  /** Outbox events fanned out (test pings are not: they have their one delivery already). */
  fannedOut: number;
  /** Fan-out took a full batch: there may be more, call again soon. */
  moreToFanOut?: boolean;
  /** Events this turn's fan-out kept back per subscription by its filter (only those with some). */
  filtered?: Array<{ subscriptionId: string; count: number }>;
  claimed: ClaimedDelivery[];
  /** Fan-out or a claim failed (not storage): the outcomes were still recorded; nothing was claimed. */
  claimError?: Error;
}

export interface DeliveryOps {
  turn(t: DeliveryTurn): Promise<DeliveryTurnResult>;
  /** Gives back a claimed delivery without counting the attempt (cut short by shutdown). */
  release(claim: Pick<ClaimedDelivery, 'id' | 'leaseToken'>): Promise<void>;
  /**
   * At start-up: voids leases a previous run of this same process left. SQLite (one relay owns the
   * file): every lease. PostgreSQL: none (other replicas' leases are live; expired ones are claimable).
   */
  releaseLeasesAtStart(replicaId: string): Promise<number>;
  /** Earliest future time a pending delivery of an enabled subscription becomes due, if any. */
  nextDueAfter(now: number): Promise<number | null>;
  /** Deliveries still to send to enabled subscriptions. */
  pendingCount(): Promise<number>;
  /** Outbox events not fanned out yet (their deliveries do not exist yet). */
  fanOutBacklog(): Promise<number>;
  /** Pending deliveries per subscription (enabled or not) and when the oldest was created. */
  queueBySubscription(): Promise<Array<{ subscriptionId: string; pending: number; oldestCreatedAt: number }>>;
  get(id: string): Promise<DeliveryView | undefined>;
  /** The webhook body a delivery sends (its event's, as stored: JSON text); undefined when unknown. */
  body(id: string): Promise<string | undefined>;
  /**
   * Newest first, narrowed by the filter; `before` is the id of the last delivery of the previous
   * page. Served by the index (subscription_id, status, id) or (subscription_id, id).
   */
  listForSubscription(subscriptionId: string, opts: DeliveryFilter & { before?: string; limit: number }): Promise<DeliveryView[]>;
  /**
   * How many of a subscription's failed deliveries match the filter and had failed by `failedBy`
   * (completed at or before it), counted up to `limit`.
   */
  countFailed(subscriptionId: string, filter: Omit<DeliveryFilter, 'status'>, failedBy: number, limit: number): Promise<number>;
  /**
   * Bulk "send it again now" (the dashboard's retry of a filter): up to `limit` of the deliveries
   * countFailed counts become pending, due at `now`, with one manual attempt each (as retryNow), in
   * one statement; the subscription's circuit closes when any did. Returns how many; call again
   * until it returns fewer than `limit` (those re-queued no longer match).
   */
  retryFailed(subscriptionId: string, filter: Omit<DeliveryFilter, 'status'>, failedBy: number, now: number, limit: number): Promise<number>;
  /**
   * An operator's "send it again now": due at once, and the subscription's circuit closes. Undefined
   * when the delivery is unknown or an attempt of it is in flight.
   */
  retryNow(id: string, now: number): Promise<{ subscriptionId: string } | undefined>;
  /** A test send: the ping event and its one delivery, to this subscription only. */
  insertPing(subscriptionId: string, event: OutboxEvent, deliveryId: string, now: number): Promise<void>;
  /**
   * Queues the given events again for one subscription (same event ids), skipping those already
   * pending for it, in one transaction. Returns how many were queued.
   */
  requeue(subscriptionId: string, events: ReadonlyArray<Pick<StoredEvent, 'seq' | 'sourceId' | 'leadId'>>, newId: () => string, now: number): Promise<number>;
}

export interface RetentionOps {
  /** Deletes up to `limit` finished deliveries completed before cutoffMs (attempts go with them). */
  deleteFinishedDeliveries(cutoffMs: number, limit: number): Promise<number>;
  /** Deletes up to `limit` unreferenced, fanned-out events created in [fromIso, cutoffIso). */
  deleteUnreferencedEvents(cutoffIso: string, fromIso: string, limit: number): Promise<{ deleted: number; nextFromIso: string }>;
}

/** Source leases: each source is polled by one replica at a time. */
export interface LeaseOps {
  /**
   * Takes or renews the source's lease for `replicaId` until now + ttlMs: granted when it is free,
   * expired, or already this replica's (renewal keeps the token; a takeover gets a new, larger one).
   * Null when another replica holds a live lease.
   */
  acquire(sourceId: string, replicaId: string, now: number, ttlMs: number): Promise<Fence | null>;
  /** Extends a held lease; false when it was lost (expired and taken, or released). */
  renew(fence: Fence, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (shutdown): another replica may take the source at once. */
  release(fence: Fence): Promise<void>;
  /** Every source's lease as stored (owner, expiry), for GET /v1/sources. */
  list(): Promise<SourceLeaseView[]>;
}

/** Live replicas (PostgreSQL; SQLite has exactly one). */
export interface ReplicaOps {
  heartbeat(replica: Omit<ReplicaInfo, 'lastSeenAt'>, now: number): Promise<void>;
  /** Replicas seen since `since`, newest heartbeat first. */
  list(since: number): Promise<ReplicaInfo[]>;
  /** A stopping replica says goodbye, so its sources are not waited for. */
  remove(id: string): Promise<void>;
}

/**
 * Leader-less periodic jobs (retention, ...): every replica asks for the tick, exactly one gets it.
 * `slot` is the interval's number (e.g. floor(now / interval)); a slot is granted once, ever.
 */
export interface TickOps {
  claim(job: string, slot: number, replicaId: string, now: number): Promise<boolean>;
}

/**
 * Dashboard login sessions, in the database so that every replica knows them and they survive a
 * restart. Looked up by the hash of the session id; the id itself is only in the browser's cookie.
 */
export interface SessionOps {
  create(session: DashboardSession): Promise<void>;
  /** The session with this id hash, unless it has expired at `now` (an expired one is as good as gone). */
  get(idHash: string, now: number): Promise<DashboardSession | undefined>;
  /** Logout: true when there was such a session. */
  delete(idHash: string): Promise<boolean>;
  /** Deletes up to `limit` sessions expired at `now` (the retention tick); returns how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/**
 * The dashboard's delivery figures, read from indexes on the attempt log's time (never a count over
 * whole tables, so a page stays fast with a long history). An attempt succeeded when it got a 2xx.
 */
export interface DeliveryStatsOps {
  /** Attempts per minute in [since, until), oldest first; minutes without attempts are left out. */
  perMinute(since: number, until: number): Promise<MinuteStats[]>;
  /**
   * Per subscription of `ids`, the attempts that started since `since` and, of those, since
   * `recentSince` (>= since); a subscription without attempts is answered with zeros. Whole hours
   * that ended SETTLE_MS before `now` are counted once and kept (delivery-stats-model.ts): an attempt
   * recorded after its hour was counted, or deleted since, does not change that hour's count.
   */
  subscriptionHealth(ids: readonly string[], since: number, recentSince: number, now: number): Promise<SubscriptionAttemptStats[]>;
}

export interface Store {
  readonly kind: StorageKind;
  readonly sources: SourceOps;
  readonly snapshot: SnapshotOps;
  readonly events: EventOps;
  readonly subscriptions: SubscriptionOps;
  readonly deliveries: DeliveryOps;
  readonly retention: RetentionOps;
  readonly leases: LeaseOps;
  readonly replicas: ReplicaOps;
  readonly ticks: TickOps;
  readonly sessions: SessionOps;
  readonly deliveryStats: DeliveryStatsOps;
  /** A random key made once per install (e.g. for header fingerprints). */
  installKey(name: InstallKeyName): Promise<Buffer>;
  /**
   * Calls `listener` when the outbox may have grown (another replica committed events): PostgreSQL's
   * LISTEN/NOTIFY. A wake-up only: callers still poll. SQLite: never (one process, told directly).
   * Returns the function that stops listening.
   */
  onOutboxGrew(listener: () => void): () => void;
  /**
   * Calls `listener` with a source id when a poll of it was asked for (SourceOps.requestSync) on any
   * replica: PostgreSQL NOTIFY. A wake-up only: owners also check syncRequests(). SQLite: never.
   */
  onSyncRequested(listener: (sourceId: string) => void): () => void;
  /** 'ok' when the database checks out (SQLite: integrity_check; PostgreSQL: a round trip). */
  integrityCheck(): Promise<string>;
  close(): Promise<void>;
}
