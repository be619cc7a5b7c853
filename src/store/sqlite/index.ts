// The SQLite backend of the store contract: one relay process on one file (WAL), synchronous
// better-sqlite3 statements behind the contract's async methods. Prepared once, grouped commits.
import type { Fence, Store } from '../contract.js';
import type { InstallKeyName, SourceRow } from '../types.js';
import { openDatabase, type Db } from './db.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, Checkpointer } from './checkpointer.js';
import { SourceStore } from './sources.js';
import { SnapshotStore } from './snapshot.js';
import { OutboxStore } from './outbox.js';
import { SubscriptionStore } from './subscriptions.js';
import { EventLogStore } from './event-log.js';
import { EventDeliveriesStore } from './event-deliveries.js';
import { RetentionStore } from './retention.js';
import { InstallKeyStore } from './install-keys.js';
import { SqliteLeases } from './leases.js';
import { SqliteReplicas } from './replicas.js';
import { SqliteFanOut } from './deliveries/fan-out.js';
import { SqliteClaim } from './deliveries/claim.js';
import { SqliteRecordAttempts } from './deliveries/record-attempts.js';
import { SqliteDeliveryOperations } from './deliveries/operator.js';
import { SqliteDeliveryViews } from './deliveries/views.js';
import { sqliteTurn } from './deliveries/turn.js';
import { SqliteSessions } from './sessions.js';
import { SqliteDeliveryStats } from './delivery-stats.js';

export interface SqliteOpenOptions {
  /** WAL checkpoints on a thread of their own (the relay turns this on; see checkpointer.ts). */
  backgroundCheckpoints?: boolean;
  /** Upper bound on the database file (SQLite's max_page_count); writes past it fail with storage_full. */
  maxSizeBytes?: number;
  onNotice?: (message: string) => void;
}

export function openSqliteStore(path: string, opts: SqliteOpenOptions = {}): SqliteStore {
  const store = new SqliteStore(openDatabase(path, { maxSizeBytes: opts.maxSizeBytes, onNotice: opts.onNotice }));
  if (opts.backgroundCheckpoints && path !== ':memory:') store.startCheckpoints(path);
  return store;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly sources: Store['sources'];
  readonly snapshot: Store['snapshot'];
  readonly events: Store['events'];
  readonly subscriptions: Store['subscriptions'];
  readonly deliveries: Store['deliveries'];
  readonly retention: Store['retention'];
  readonly leases: Store['leases'];
  readonly replicas: Store['replicas'];
  readonly ticks: Store['ticks'];
  readonly sessions: Store['sessions'];
  readonly deliveryStats: Store['deliveryStats'];
  private readonly installKeys: InstallKeyStore;
  private checkpointer: Checkpointer | null = null;

  constructor(private readonly db: Db) {
    const sources = new SourceStore(db);
    const outbox = new OutboxStore(db);
    const snapshot = new SnapshotStore(db, sources, outbox);
    const subscriptions = new SubscriptionStore(db);
    const eventLog = new EventLogStore(db);
    const eventDeliveries = new EventDeliveriesStore(db);
    const retention = new RetentionStore(db);
    const leases = new SqliteLeases(db);
    const replicas = new SqliteReplicas(db);
    const turnParts = {
      records: new SqliteRecordAttempts(db),
      fanOut: new SqliteFanOut(db, outbox),
      claim: new SqliteClaim(db, outbox),
      subscriptions: () => subscriptions.list(),
    };
    const operations = new SqliteDeliveryOperations(db, outbox);
    const views = new SqliteDeliveryViews(db);
    this.installKeys = new InstallKeyStore(db);
    const fenced = (fence: Fence | null) => () => leases.check(fence);
    /** A source row write, refused (LeaseLostError) unless the fence still holds. */
    const guarded = (fence: Fence | null, write: () => void) => db.transaction(() => (leases.check(fence), write()))();

    this.sources = {
      register: async (list) => sources.register(list),
      get: async (id): Promise<SourceRow | undefined> => sources.get(id),
      list: async () => sources.list(),
      syncStart: async (id) => sources.syncStart(id),
      markStarted: async (id, at, fence) => guarded(fence, () => sources.markStarted(id, at)),
      markSucceeded: async (id, at, stats, fence) => guarded(fence, () => sources.markSucceeded(id, at, stats)),
      markFailed: async (id, at, error, stats, fence) => guarded(fence, () => sources.markFailed(id, at, error, stats)),
      setWarning: async (id, warning, fence) => guarded(fence, () => sources.setWarning(id, warning)),
      requestSync: async (id, now) => sources.requestSync(id, now),
      syncRequests: async () => sources.syncRequests(),
    };
    this.snapshot = {
      getLeads: async (sourceId, ids) => snapshot.getLeads(sourceId, ids),
      getLeadEventHashes: async (sourceId, ids) => snapshot.getLeadEventHashes(sourceId, ids),
      applyPage: async (sourceId, page, nowIso, fence) => snapshot.applyPage(sourceId, page, nowIso, fenced(fence)),
      beginScan: async (sourceId, fence) => snapshot.beginScan(sourceId, fenced(fence)),
      countListed: async (sourceId, scan) => snapshot.countListed(sourceId, scan),
      completeScan: async (sourceId, scan, threshold, nowIso, decide, fence) =>
        snapshot.completeScan(sourceId, scan, threshold, nowIso, decide, fenced(fence)),
      settleMissingNow: async (sourceId, threshold, nowIso, decide) => snapshot.settleMissingNow(sourceId, threshold, nowIso, decide),
    };
    this.events = {
      list: async (filter) => eventLog.list(filter),
      deliveryCounts: async (seqs) => eventDeliveries.counts(seqs),
      countCreatedBetween: async (since, until, limit) => outbox.countCreatedBetween(since, until, limit),
      headsCreatedBetween: async (since, until, after, limit) => outbox.headsCreatedBetween(since, until, after, limit),
      get: async (id) => outbox.byId(id),
      bodies: async (seqs) => outbox.bodies(seqs),
    };
    this.subscriptions = {
      get: async (id) => subscriptions.get(id),
      list: async () => subscriptions.list(),
      listPage: async (opts) => subscriptions.listPage(opts),
      insertWithinLimit: async (sub, max) => subscriptions.insertWithinLimit(sub, max),
      update: async (id, patch, nowIso) => subscriptions.update(id, patch, nowIso),
      delete: async (id) => subscriptions.delete(id),
      filteredCounts: async () => subscriptions.filteredCounts(),
      syncFromConfig: async (wanted, generateSecret, now, graceMs) => subscriptions.syncFromConfig(wanted, generateSecret, now, graceMs),
    };
    this.deliveries = {
      turn: async (t) => sqliteTurn(db, turnParts, t),
      release: async (claim) => operations.release(claim.id, claim.leaseToken),
      releaseLeasesAtStart: async () => operations.releaseLeasesAtStart(),
      nextDueAfter: async (now) => views.nextDueAfter(now),
      pendingCount: async () => views.pendingCount(),
      fanOutBacklog: async () => views.fanOutBacklog(),
      queueBySubscription: async () => views.queueBySubscription(),
      get: async (id) => views.get(id),
      body: async (id) => views.body(id),
      listForSubscription: async (subscriptionId, opts) => views.listForSubscription(subscriptionId, opts),
      retryNow: async (id, now) => operations.retryNow(id, now),
      countFailed: async (subscriptionId, filter, failedBy, limit) => operations.countFailed(subscriptionId, filter, failedBy, limit),
      retryFailed: async (subscriptionId, filter, failedBy, now, limit) => operations.retryFailed(subscriptionId, filter, failedBy, now, limit),
      insertPing: async (subscriptionId, event, deliveryId, now) => operations.insertPing(subscriptionId, event, deliveryId, now),
      requeue: async (subscriptionId, events, newId, now) => operations.requeue(subscriptionId, events, newId, now),
    };
    this.retention = {
      deleteFinishedDeliveries: async (cutoffMs, limit) => retention.deleteFinishedDeliveries(cutoffMs, limit),
      deleteUnreferencedEvents: async (cutoffIso, fromIso, limit) => retention.deleteUnreferencedEvents(cutoffIso, fromIso, limit),
    };
    this.leases = {
      acquire: async (sourceId, replicaId, now, ttlMs) => leases.acquire(sourceId, replicaId, now, ttlMs),
      renew: async (fence, now, ttlMs) => leases.renew(fence, now, ttlMs),
      release: async (fence) => leases.release(fence),
      list: async () => leases.list(),
    };
    this.replicas = {
      heartbeat: async (replica, now) => replicas.heartbeat(replica, now),
      list: async (since) => replicas.list(since),
      remove: async (id) => replicas.remove(id),
    };
    this.ticks = { claim: async (job, slot, replicaId, now) => replicas.claimTick(job, slot, replicaId, now) };
    const sessions = new SqliteSessions(db);
    this.sessions = {
      create: async (session) => sessions.create(session),
      get: async (idHash, now) => sessions.get(idHash, now),
      delete: async (idHash) => sessions.delete(idHash),
      deleteExpired: async (now, limit) => sessions.deleteExpired(now, limit),
    };
    const stats = new SqliteDeliveryStats(db);
    this.deliveryStats = {
      perMinute: async (since, until) => stats.perMinute(since, until),
      subscriptionHealth: (ids, since, recentSince, now) => stats.subscriptionHealth(ids, since, recentSince, now),
    };
  }

  async installKey(name: InstallKeyName): Promise<Buffer> {
    return this.installKeys.get(name);
  }

  /** One process writes a SQLite file: whoever adds events tells the worker directly. */
  onOutboxGrew(): () => void {
    return () => {};
  }

  /** One process: the replica asked is the one that polls. */
  onSyncRequested(): () => void {
    return () => {};
  }

  async integrityCheck(): Promise<string> {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  /** WAL checkpoints on their own thread, SQLite's automatic checkpoint left only as a backstop. */
  startCheckpoints(path: string): void {
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = new Checkpointer(path);
  }

  /** Stops background checkpoints first, so the writer's close is the last checkpoint. */
  async close(): Promise<void> {
    const c = this.checkpointer;
    this.checkpointer = null;
    await c?.stop();
    if (this.db.open) this.db.close();
  }
}
