// The PostgreSQL store (contract.ts Store): several replicas on one database. Opening migrates
// (once across replicas); every op's driver failures surface as storage errors (errors.ts).
import type pg from 'pg';
import type { DeliveryOps, DeliveryStatsOps, EventOps, LeaseOps, ReplicaOps, RetentionOps, SessionOps, SnapshotOps, SourceOps, Store, SubscriptionOps, TickOps } from '../contract.js';
import type { InstallKeyName } from '../types.js';
import { createPgDeliveryOps } from './deliveries/index.js';
import { guardOps, pgStorageError } from './errors.js';
import { createPgEventOps } from './events.js';
import { createPgLeaseOps } from './leases.js';
import { migrate } from './migrate.js';
import { OutboxListener, type OutboxListenerOptions } from './outbox-listener.js';
import { clientConfig, createPool, roundTripsOf, type PgConnectOptions } from './pool.js';
import { describeTarget } from './url.js';
import { createPgReplicaOps } from './replicas.js';
import { createPgRetentionOps } from './retention.js';
import { createPgSnapshotOps } from './snapshot/index.js';
import { createPgSourceOps } from './sources.js';
import { createPgSubscriptionOps } from './subscriptions/index.js';
import { createPgTickOps } from './ticks.js';
import { createPgSessionOps } from './sessions.js';
import { createPgDeliveryStatsOps } from './delivery-stats.js';

export interface PgStoreOptions extends PgConnectOptions {
  /** Told about connections lost in the background (an idle pooled one, the LISTEN one); all are replaced by themselves. */
  onBackgroundError?: (err: Error) => void;
  listen?: Omit<OutboxListenerOptions, 'onError'>;
}

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
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
  private readonly listener: OutboxListener;
  private closing: Promise<void> | null = null;

  constructor(
    readonly pool: pg.Pool,
    /** host:port/database, for messages (no user, no password). */
    readonly target: string,
    listenConfig: pg.ClientConfig,
    opts: Pick<PgStoreOptions, 'onBackgroundError' | 'listen'> = {},
  ) {
    const guard = <T extends object>(ops: T) => guardOps(ops, target);
    this.sources = guard(createPgSourceOps(pool));
    this.snapshot = guard(createPgSnapshotOps(pool));
    this.events = guard(createPgEventOps(pool));
    this.subscriptions = guard(createPgSubscriptionOps(pool));
    this.deliveries = guard(createPgDeliveryOps(pool));
    this.retention = guard(createPgRetentionOps(pool));
    this.leases = guard(createPgLeaseOps(pool));
    this.replicas = guard(createPgReplicaOps(pool));
    this.ticks = guard(createPgTickOps(pool));
    this.sessions = guard(createPgSessionOps(pool));
    this.deliveryStats = guard(createPgDeliveryStatsOps(pool));
    this.listener = new OutboxListener(listenConfig, { ...opts.listen, onError: opts.onBackgroundError });
  }

  /** SQL round trips made so far (BEGIN and COMMIT included), for benchmarks and metrics. */
  roundTrips(): number {
    return roundTripsOf(this.pool);
  }

  async installKey(name: InstallKeyName): Promise<Buffer> {
    let rows: Array<{ key: Buffer }>;
    try {
      ({ rows } = await this.pool.query<{ key: Buffer }>('SELECT key FROM install_keys WHERE name = $1', [name]));
    } catch (err) {
      throw pgStorageError(err, this.target);
    }
    if (!rows[0]) throw new Error(`install key ${name} is missing from the database`);
    return rows[0].key;
  }

  onOutboxGrew(listener: () => void): () => void {
    return this.listener.subscribe(listener);
  }

  onSyncRequested(listener: (sourceId: string) => void): () => void {
    return this.listener.subscribeSync(listener);
  }

  async integrityCheck(): Promise<string> {
    try {
      await this.pool.query('SELECT 1');
      return 'ok';
    } catch (err) {
      throw pgStorageError(err, this.target);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.pool.end();
    })();
    return this.closing;
  }
}

/**
 * Connects, brings the schema up to date (waiting for another replica doing the same), and opens
 * the pool. Fails with storage_unavailable when the database cannot be reached, storage_too_new
 * when its schema is newer than this code.
 */
export async function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  const target = describeTarget(opts.url);
  const config = clientConfig(opts);
  try {
    await migrate(config, target);
  } catch (err) {
    throw pgStorageError(err, target);
  }
  return new PgStore(createPool(opts, opts.onBackgroundError), target, config, opts);
}
