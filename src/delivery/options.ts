// What the delivery worker is given: its limits, its collaborators, and its instrumentation hook.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { AttemptRecord, HealthPolicy, Store } from '../store/index.js';
import type { Clock } from '../util/time.js';

export interface DeliveryOptions {
  timeoutMs: number;
  retrySchedule: readonly number[];
  /** Attempts in flight across all subscriptions. */
  concurrency: number;
  /** Attempts in flight for one subscription: a hanging endpoint can hold no more than this. */
  perSubscriptionConcurrency: number;
  /** Circuit breaker and auto-disable rules. */
  health: HealthPolicy;
}

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  dispatcher: Dispatcher;
  userAgent: string;
  random?: () => number;
  /** Told about every recorded attempt (src/metrics.ts). */
  metrics?: DeliveryMetrics;
}

/** The worker's instrumentation hook; the worker itself knows nothing of Prometheus. */
export interface DeliveryMetrics {
  attemptFinished(subscriptionId: string, outcome: AttemptRecord['outcome'], durationMs: number): void;
  /** The database refused a write (full, read-only, I/O error). */
  storageFailed?(component: 'sync' | 'delivery', code: string): void;
  /** Fan-out kept `count` events back from a subscription: its content filter said no. */
  eventsFiltered?(subscriptionId: string, count: number): void;
}
