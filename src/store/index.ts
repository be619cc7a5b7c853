// The store: the only module that speaks SQL. Its surface stays narrow so a Postgres twin can follow.
import { openDatabase, type Db } from './db.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, Checkpointer } from './checkpointer.js';
import { SourceStore } from './sources.js';
import { SnapshotStore } from './snapshot.js';
import { OutboxStore } from './outbox.js';
import { SubscriptionStore } from './subscriptions.js';
import { DeliveryStore } from './deliveries.js';
import { EventLogStore } from './event-log.js';
import { RetentionStore } from './retention.js';
import { InstallKeyStore } from './install-keys.js';

export class Store {
  readonly sources: SourceStore;
  readonly snapshot: SnapshotStore;
  readonly outbox: OutboxStore;
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly eventLog: EventLogStore;
  readonly retention: RetentionStore;
  readonly installKeys: InstallKeyStore;

  private checkpointer: Checkpointer | null = null;

  private constructor(private readonly db: Db) {
    this.sources = new SourceStore(db);
    this.outbox = new OutboxStore(db);
    this.snapshot = new SnapshotStore(db, this.sources, this.outbox);
    this.subscriptions = new SubscriptionStore(db);
    this.deliveries = new DeliveryStore(db, this.outbox);
    this.eventLog = new EventLogStore(db);
    this.retention = new RetentionStore(db);
    this.installKeys = new InstallKeyStore(db);
  }

  /**
   * backgroundCheckpoints: WAL checkpoints run on a thread of their own (the relay turns this on;
   * see checkpointer.ts), with SQLite's automatic checkpoint left only as a backstop.
   */
  static open(path: string, opts: { backgroundCheckpoints?: boolean; maxSizeBytes?: number; onNotice?: (message: string) => void } = {}): Store {
    const store = new Store(openDatabase(path, { maxSizeBytes: opts.maxSizeBytes, onNotice: opts.onNotice }));
    if (opts.backgroundCheckpoints && path !== ':memory:') {
      store.db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
      store.checkpointer = new Checkpointer(path);
    }
    return store;
  }

  /** Stops background checkpoints (before close, so the writer's close is the last and checkpoints what is left). */
  async stopBackground(): Promise<void> {
    const c = this.checkpointer;
    this.checkpointer = null;
    await c?.stop();
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  close(): void {
    void this.stopBackground();
    if (this.db.open) this.db.close();
  }
}

export type { SourceRow } from './sources.js';
export type { StoredLead, LeadWrite, LeadEventWrite, PageWrite, MissingLead, MissingDecision } from './snapshot.js';
export type { EventPosition, StoredEvent } from './outbox.js';
export type { EventLogFilter } from './event-log.js';
export type { PreviousSecret, Subscription, SubscriptionOrigin, SubscriptionPatch } from './subscriptions.js';
export {
  CLEAN_HEALTH,
  MAX_PREVIOUS_SECRETS,
  livePreviousSecrets,
  newSubscription,
  previousAfterRotation,
  signingSecrets,
} from './subscriptions.js';
export type { ClaimedDelivery, AttemptRecord, DeliveryView, DeliveryStatus, HealthPolicy, RecordRequest } from './deliveries.js';
