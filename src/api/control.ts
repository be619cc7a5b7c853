// What the admin API may see and do: the store plus a few controls of the running relay.
import type { Store } from '../store/index.js';
import type { RunResult, SyncProgress } from '../sync/engine.js';
import type { Clock } from '../util/time.js';

export interface SourceInfo {
  id: string;
  vendor: string;
  enabled: boolean;
  /** As written in the config, e.g. 60s. */
  pollInterval: string;
  initialSync: 'baseline' | 'emit';
}

export interface RelayControl {
  store: Store;
  clock: Clock;
  /** This process, among the replicas sharing the database. */
  replicaId: string;
  /** A replica is live while its last heartbeat is younger than this (storage.leaseTtl). */
  leaseTtlMs: number;
  sources: readonly SourceInfo[];
  /** Runs a sync of the source as soon as possible; undefined when the source is unknown or disabled. */
  syncNow(sourceId: string): Promise<RunResult> | undefined;
  /** This replica polls the source (holds its lease); else another replica does, or none right now. */
  pollsHere(sourceId: string): boolean;
  isSyncing(sourceId: string): boolean;
  /** The last run's failure when the database could not record it (full or read-only), else null. */
  unsavedSyncOutcome?(sourceId: string): { finishedAt: string; error: { code: string; message: string } } | null;
  /** How far the run in progress got (pages, leads, rate), or null when idle. */
  syncProgress(sourceId: string): SyncProgress | null;
  /** Applies deletes the mass-delete guard held; returns how many, or undefined for an unknown/disabled source. */
  releaseHeldDeletes(sourceId: string): Promise<number> | undefined;
  /** Subscriptions or deliveries changed: the delivery worker should look again. */
  deliveryChanged(): void;
  /** When false, subscriber URLs resolving to private addresses are refused. */
  allowPrivateTargets: boolean;
  /** How long the old secret keeps signing after POST /v1/subscriptions/:id/rotate-secret. */
  secretRotationGraceMs: number;
  /** This install's key for header fingerprints (Store.installKey('header-fingerprint')). */
  fingerprintKey: Buffer;
  /** delivery.maxSubscriptions: POST /v1/subscriptions and /v1/hooks add no more than this many. */
  maxSubscriptions: number;
}
