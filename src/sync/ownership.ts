// Which sources this replica polls. Each source is polled by one replica at a time, holding its
// lease (store LeaseOps); a heartbeat renews the leases held and takes free ones up to a fair share
// of the sources (ceil(sources / live replicas)), so sources spread across replicas and move to the
// others within the lease TTL when a replica dies. Every write of a run is fenced with the lease's
// token: a replica that stalled past its lease (GC pause, SIGSTOP, partition) can commit nothing.
import type { Logger } from 'pino';
import type { Fence, Store } from '../store/index.js';
import { storageErrorOf } from '../store/errors.js';
import type { Clock } from '../util/time.js';
import { RelayError } from '../util/errors.js';

export interface OwnershipOptions {
  replicaId: string;
  version: string;
  sourceIds: readonly string[];
  /** How long a lease lasts without renewal; another replica takes the source over after it. */
  leaseTtlMs: number;
  /** How often leases are renewed and free sources looked for (default: a third of the TTL). */
  heartbeatMs?: number;
}

export interface OwnershipDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** A source became this replica's: poll it now. */
  onAcquired(sourceId: string): void;
  /** A source is no longer this replica's (lease lost or handed over): stop a run in progress. */
  onLost(sourceId: string): void;
  /** A heartbeat failed on a storage error (the database away or too slow): counted on /metrics. */
  onStorageError?(code: string): void;
}

export class SourceOwnership {
  private readonly held = new Map<string, Fence>();
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | null = null;
  private beat: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Sources that are polling right now: handing one over waits until its run is over. */
  private readonly busy = new Set<string>();
  /** Sources this replica handed over, until when it leaves them for another replica to take. */
  private readonly handedOver = new Map<string, number>();

  constructor(
    private readonly opts: OwnershipOptions,
    private readonly deps: OwnershipDeps,
  ) {
    this.startedAt = deps.clock.now();
  }

  private get heartbeatMs(): number {
    return this.opts.heartbeatMs ?? heartbeatEvery(this.opts.leaseTtlMs);
  }

  /** Registers this replica and takes its share of the sources, then keeps renewing. */
  async start(): Promise<void> {
    await this.heartbeat();
    this.schedule();
  }

  /** The lease a run of this source writes under, or null when another replica polls it. */
  fenceOf(sourceId: string): Fence | null {
    return this.held.get(sourceId) ?? null;
  }

  /** Who polls what, as this replica knows it. */
  owned(): string[] {
    return [...this.held.keys()];
  }

  /** Runs `fn` as this source's owner (null fence: not ours now, nothing runs). */
  async asOwner<T>(sourceId: string, fn: (fence: Fence) => Promise<T>): Promise<T | null> {
    let fence = this.held.get(sourceId);
    // Not held (yet): try now rather than at the next heartbeat, e.g. a first poll right after start.
    if (!fence) {
      await this.beat;
      try {
        fence = this.held.get(sourceId) ?? (await this.tryAcquire(sourceId, await this.fairShare())) ?? undefined;
      } catch (err) {
        // The database is away: not polled here this time (the heartbeat says so in the log, the
        // owner's own runs report it on the source), rather than a "sync run crashed" per poll.
        if (!storageErrorOf(err)) throw err;
        return null;
      }
    }
    if (!fence) return null;
    this.busy.add(sourceId);
    try {
      return await fn(fence);
    } finally {
      this.busy.delete(sourceId);
    }
  }

  /** Stops renewing and gives every lease up, so other replicas take the sources at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.beat;
    const { store } = this.deps;
    await Promise.all([...this.held.values()].map((f) => store.leases.release(f).catch(() => {})));
    this.held.clear();
    await store.replicas.remove(this.opts.replicaId).catch(() => {});
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.beat = this.heartbeat().finally(() => this.schedule());
    }, this.heartbeatMs);
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    const { store, clock, logger } = this.deps;
    const now = clock.now();
    try {
      await store.replicas.heartbeat({ id: this.opts.replicaId, version: this.opts.version, startedAt: this.startedAt }, now);
      for (const [sourceId, fence] of [...this.held]) {
        if (await store.leases.renew(fence, now, this.opts.leaseTtlMs)) continue;
        this.lose(sourceId, 'its lease was taken over by another replica');
      }
      const { share, fewestElsewhere } = await this.balance(now);
      // More than our share (a replica joined): hand the extras over. At our share while another live
      // replica polls two fewer (the ceiling lets 4 sources over 3 replicas settle as 2, 2, 0, one
      // replica idle: seen in test/replicas-pg-faults.test.ts): hand one over per heartbeat. Only idle
      // sources move; another replica takes them within one heartbeat.
      let excess = this.held.size - share;
      if (excess <= 0 && fewestElsewhere !== null && this.held.size - fewestElsewhere >= 2) excess = 1;
      for (const sourceId of [...this.held.keys()]) {
        if (excess <= 0) break;
        if (this.busy.has(sourceId)) continue;
        await store.leases.release(this.held.get(sourceId)!);
        this.handedOver.set(sourceId, now + this.opts.leaseTtlMs);
        this.lose(sourceId, 'handed over to even out the sources across replicas');
        excess--;
      }
      for (const sourceId of this.opts.sourceIds) {
        if (this.held.size >= share) break;
        if (!this.held.has(sourceId)) await this.tryAcquire(sourceId, share);
      }
    } catch (err) {
      // The database is unreachable: leases run out and are taken over, or renewed once it is back.
      const storage = storageErrorOf(err);
      if (storage) this.deps.onStorageError?.(storage.code);
      logger.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'source leases not renewed; retrying');
    }
  }

  /** Takes the source's lease if it is free and this replica is below its share. */
  private async tryAcquire(sourceId: string, share: number): Promise<Fence | null> {
    if (this.stopped || this.held.size >= share) return null;
    const now = this.deps.clock.now();
    // Just handed over for another replica to take: not taken back at once (by a poll of it here).
    if ((this.handedOver.get(sourceId) ?? 0) > now) return null;
    this.handedOver.delete(sourceId);
    const fence = await this.deps.store.leases.acquire(sourceId, this.opts.replicaId, now, this.opts.leaseTtlMs);
    if (!fence) return null;
    const fresh = !this.held.has(sourceId);
    this.held.set(sourceId, fence);
    if (fresh) {
      this.deps.logger.info({ source: sourceId, replica: this.opts.replicaId, token: fence.token }, 'polling this source (lease acquired)');
      this.deps.onAcquired(sourceId);
    }
    return fence;
  }

  /** ceil(sources / live replicas): live = a heartbeat within the lease TTL. */
  private async fairShare(): Promise<number> {
    return (await this.balance(this.deps.clock.now(), false)).share;
  }

  /**
   * The fair share, and (with `counts`) the fewest sources any other live replica polls (null when
   * this replica is alone).
   */
  private async balance(now: number, counts = true): Promise<{ share: number; fewestElsewhere: number | null }> {
    const { store } = this.deps;
    const live = await store.replicas.list(now - this.opts.leaseTtlMs);
    const share = Math.ceil(this.opts.sourceIds.length / Math.max(1, live.length));
    const others = live.filter((r) => r.id !== this.opts.replicaId);
    if (!counts || others.length === 0) return { share, fewestElsewhere: null };
    const polled = new Map<string, number>();
    for (const l of await store.leases.list()) {
      if (l.owner !== null && l.expiresAt !== null && l.expiresAt > now) polled.set(l.owner, (polled.get(l.owner) ?? 0) + 1);
    }
    return { share, fewestElsewhere: Math.min(...others.map((r) => polled.get(r.id) ?? 0)) };
  }

  private lose(sourceId: string, why: string): void {
    if (!this.held.delete(sourceId)) return;
    this.deps.logger.warn({ source: sourceId, replica: this.opts.replicaId }, `no longer polling this source: ${why}`);
    this.deps.onLost(sourceId);
  }
}

/**
 * Two live processes with one replica id would both take the id's leases as their own (a renewal)
 * and poll the same sources. A fresh heartbeat under this id is watched for one heartbeat interval:
 * one that moves is another live process (refused: replica_id_in_use); one that stays is a
 * predecessor that died, whose leases this process simply carries on. SQLite: one process per file
 * (and a container restarting keeps its hostname and pid 1), so nothing to check.
 */
export async function assertReplicaIdFree(
  deps: Pick<OwnershipDeps, 'store' | 'clock' | 'logger'>,
  replicaId: string,
  leaseTtlMs: number,
): Promise<void> {
  const { store, clock, logger } = deps;
  if (store.kind !== 'postgres') return;
  const seen = async () => (await store.replicas.list(clock.now() - leaseTtlMs)).find((r) => r.id === replicaId);
  const before = await seen();
  if (!before) return;
  logger.info({ replica: replicaId }, 'a replica with this id was seen recently; checking that it is gone before starting');
  await new Promise((resolve) => setTimeout(resolve, heartbeatEvery(leaseTtlMs) + 250));
  const after = await seen();
  if (after && after.lastSeenAt > before.lastSeenAt) {
    throw new RelayError(
      'replica_id_in_use',
      `replica id ${replicaId} is in use by another live process (heartbeat ${new Date(after.lastSeenAt).toISOString()}); give each replica its own LEADRELAY_REPLICA_ID`,
    );
  }
}

/** Leases are renewed (and replicas beat) every third of the TTL. */
function heartbeatEvery(leaseTtlMs: number): number {
  return Math.max(100, Math.floor(leaseTtlMs / 3));
}
