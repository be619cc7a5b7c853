// The store: the only module that speaks SQL. Its surface stays narrow so a Postgres twin can follow.
import { openDatabase, type Db } from './db.js';
import { SourceStore } from './sources.js';
import { SnapshotStore } from './snapshot.js';
import { OutboxStore } from './outbox.js';
import { SubscriptionStore } from './subscriptions.js';
import { DeliveryStore } from './deliveries.js';
import { EventLogStore } from './event-log.js';
import { RetentionStore } from './retention.js';

export class Store {
  readonly sources: SourceStore;
  readonly snapshot: SnapshotStore;
  readonly outbox: OutboxStore;
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly eventLog: EventLogStore;
  readonly retention: RetentionStore;

  private constructor(private readonly db: Db) {
    this.sources = new SourceStore(db);
    this.outbox = new OutboxStore(db);
    this.snapshot = new SnapshotStore(db, this.sources, this.outbox);
    this.subscriptions = new SubscriptionStore(db);
    this.deliveries = new DeliveryStore(db, this.outbox);
    this.eventLog = new EventLogStore(db);
    this.retention = new RetentionStore(db);
  }

  static open(path: string): Store {
    return new Store(openDatabase(path));
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export type { SourceRow } from './sources.js';
export type { StoredLead, LeadWrite, LeadEventWrite, PageWrite, MissingLead, MissingDecision } from './snapshot.js';
export type { StoredEvent } from './outbox.js';
export type { EventLogFilter } from './event-log.js';
export type { Subscription, SubscriptionOrigin, SubscriptionPatch } from './subscriptions.js';
export type { ClaimedDelivery, AttemptRecord, DeliveryView, DeliveryStatus, HealthPolicy, RecordRequest } from './deliveries.js';
