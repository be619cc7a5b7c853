// Wires one relay together: store, a poll loop per source, the delivery worker and the admin API.
import type { JsonObject } from './model.js';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { formatDuration, type Config } from './config/index.js';
import type { Logger } from './log.js';
import { MAX_PREVIOUS_SECRETS, openStore, type Store } from './store/index.js';
import { replicaIdOf } from './replica.js';
import { SourceOwnership, assertReplicaIdFree } from './sync/ownership.js';
import { RelayError } from './util/errors.js';
import { SourceSync, emptyRunStats, type RunResult } from './sync/engine.js';
import { PollLoop } from './sync/scheduler.js';
import { DeliveryWorker } from './delivery/worker.js';
import { RetentionPruner, type PruneResult } from './delivery/retention.js';
import { generateSecret } from './delivery/sign.js';
import { createDeliveryAgent } from './delivery/target-safety.js';
import { settingsOf, vendorEntry, VendorHttp } from './vendors/index.js';
import { RequestBudget } from './vendors/budget.js';
import { createApi } from './api/app.js';
import { RelayMetrics } from './metrics.js';
import type { RelayControl } from './api/control.js';
import { systemClock, type Clock } from './util/time.js';
import { VERSION } from './version.js';

/**
 * The admin API's HTTP server. Node's defaults let a connection that never finished its request
 * headers sit for 60 s (plus a 30 s check interval: 79 s seen), and any number of them.
 */
export const ADMIN_SERVER_LIMITS = {
  /** Until a request's headers are complete, from the connection's start or the request's first byte. */
  headersTimeoutMs: 10_000,
  /** Until the whole request (headers and body, at most 64 KiB) is in; the answer may take longer. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often the two timeouts above are checked. */
  checkIntervalMs: 1_000,
  /** At shutdown, connections still open this long after the server stopped accepting are cut. */
  shutdownGraceMs: 2_000,
  /** Connections past this are closed at once: operators, scrapers and Zapier need a handful. */
  maxConnections: 256,
} as const;

export interface RelayOptions {
  logger: Logger;
  clock?: Clock;
  /** Listen for the admin API (default true). */
  listen?: boolean;
  /** How long in-flight deliveries may finish on shutdown. */
  shutdownGraceMs?: number;
  /** This process among replicas (default: LEADRELAY_REPLICA_ID, else hostname and pid). */
  replicaId?: string;
  /** Retention pruner timing (defaults: first run 30 s after start, then hourly). */
  retention?: { firstRunAfterMs?: number; intervalMs?: number };
}

export interface RunningRelay {
  /** http://host:port of the admin API, when listening. */
  url: string | null;
  store: Store;
  api: ReturnType<typeof createApi>;
  syncNow(sourceId: string): Promise<RunResult> | undefined;
  /** Runs the retention pruner now (after a run in progress) and resolves with its counts. */
  pruneNow(): Promise<PruneResult>;
  stop(): Promise<void>;
}

export async function startRelay(config: Config, opts: RelayOptions): Promise<RunningRelay> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const maxSizeMb = config.storage.maxSizeMb;
  const replicaId = opts.replicaId ?? replicaIdOf(process.env);
  const storage = config.storage;
  const store = await openStore({
    path: storage.path,
    sqlite: {
      backgroundCheckpoints: true,
      maxSizeBytes: maxSizeMb === undefined ? undefined : Math.floor(maxSizeMb * 1024 * 1024),
      onNotice: (message) => logger.warn({ component: 'storage' }, message),
    },
    postgres:
      storage.url === undefined
        ? undefined
        : {
            url: storage.url,
            poolSize: storage.poolSize,
            statementTimeoutMs: storage.statementTimeout,
            sslmode: storage.sslmode,
            replicaId,
            // A replica frozen inside a transaction must not hold its row locks past its lease (pool.ts).
            idleInTransactionTimeoutMs: storage.leaseTtl,
            // A dropped idle or LISTEN connection is replaced by itself; said once in the log.
            onBackgroundError: (err) => logger.warn({ component: 'storage', err: { message: err.message, code: (err as { code?: string }).code } }, 'a database connection was lost; reconnecting'),
          },
  });

  try {
    await assertReplicaIdFree({ store, clock, logger }, replicaId, storage.leaseTtl);
  } catch (err) {
    await store.close();
    throw err;
  }

  await store.sources.register(
    config.sources.map((s) => ({ id: s.id, vendor: s.vendor })),
    clock.now(),
  );
  const { secretsCutShort } = await store.subscriptions.syncFromConfig(
    config.subscriptions.map((s) => ({
      id: s.id,
      url: s.url,
      secret: s.secret,
      events: s.events,
      sources: s.sources ?? null,
      description: s.description ?? null,
      headers: s.headers ?? {},
      maxPerSecond: s.maxPerSecond ?? null,
      maxConcurrency: s.maxConcurrency ?? null,
      filter: (s.filter ?? null) as JsonObject | null,
      payload: s.payload ?? null,
      enabled: s.enabled,
    })),
    generateSecret,
    clock.now(),
    config.delivery.secretRotationGrace,
  );
  for (const id of secretsCutShort) {
    logger.warn(
      { subscription: id },
      `its secret changed in the config while ${MAX_PREVIOUS_SECRETS} earlier secrets were still in their grace period: the oldest of them stopped signing now`,
    );
  }

  const metrics = new RelayMetrics({
    store,
    clock,
    sources: config.sources.filter((s) => s.enabled).map((s) => ({ id: s.id, vendor: s.vendor })),
    pollsHere: (id) => ownership.fenceOf(id) !== null,
  });

  const agent = createDeliveryAgent({ allowPrivate: config.delivery.allowPrivateTargets });
  const worker = new DeliveryWorker(
    {
      timeoutMs: config.delivery.timeout,
      retrySchedule: config.delivery.retrySchedule,
      concurrency: config.delivery.concurrency,
      perSubscriptionConcurrency: config.delivery.perSubscriptionConcurrency,
      health: {
        circuitBreakerAfter: config.delivery.circuitBreakerAfter,
        circuitBreakerCooldownMs: config.delivery.circuitBreakerCooldown,
        autoDisableAfterMs: config.delivery.autoDisableAfter,
        autoDisableAfterText: formatDuration(config.delivery.autoDisableAfter),
      },
    },
    { store, clock, logger: logger.child({ component: 'delivery' }), dispatcher: agent, userAgent: `leadrelay/${VERSION}`, metrics },
  );

  const pruner = new RetentionPruner(
    { retentionMs: config.delivery.retention, ...opts.retention },
    { store, clock, logger: logger.child({ component: 'retention' }), replicaId },
  );

  const loops = new Map<string, PollLoop>();
  const syncs = new Map<string, SourceSync>();
  /** Aborts the run in progress of a source whose lease this replica lost. */
  const runs = new Map<string, AbortController>();
  /** When this replica last started a run of each source (relay clock). */
  const runStartedAt = new Map<string, number>();
  const enabledSources = config.sources.filter((s) => s.enabled);
  const ownership = new SourceOwnership(
    { replicaId, version: VERSION, sourceIds: enabledSources.map((s) => s.id), leaseTtlMs: config.storage.leaseTtl },
    {
      store,
      clock,
      logger: logger.child({ component: 'ownership' }),
      onAcquired: (id) => void loops.get(id)?.trigger(),
      onLost: (id) => runs.get(id)?.abort(new RelayError('lease_lost', `source ${id}: another replica polls it now`)),
      onStorageError: (code) => metrics.storageFailed('sync', code),
    },
  );
  const https: VendorHttp[] = [];
  for (const source of enabledSources) {
    const entry = vendorEntry(source.vendor);
    const settings = settingsOf(entry, source);
    const http = new VendorHttp({
      baseUrl: source.baseUrl,
      vendor: source.vendor,
      headers: entry.headers({ apiKey: source.apiKey, ...settings }),
      query: entry.query?.({ apiKey: source.apiKey, ...settings }),
      timeoutMs: source.requestTimeout,
      maxResponseBytes: Math.floor(source.maxResponseMb * 1024 * 1024),
      retries: source.maxRetries,
      onRequestError: (err) => metrics.vendorRequestFailed(source.id, source.vendor, err.code, err.httpStatus),
      budget: new RequestBudget(source.rateLimits?.map((l) => ({ requests: l.requests, perMs: l.per })) ?? entry.rateLimits),
    });
    https.push(http);
    const sync = new SourceSync(
      { id: source.id, vendor: source.vendor, initialSync: source.initialSync, maxDeleteShare: source.maxDeleteShare },
      entry.create({
        sourceId: source.id,
        overlapMs: source.overlap,
        pageSize: source.pageSize,
        settings,
      }),
      http,
      { store, clock, logger: logger.child({ component: 'sync' }), onEvents: () => worker.notify(), metrics },
    );
    syncs.set(source.id, sync);
    loops.set(
      source.id,
      new PollLoop(
        async (signal, spareTime) =>
          (await ownership.asOwner(source.id, async (fence) => {
            const lost = new AbortController();
            runs.set(source.id, lost);
            runStartedAt.set(source.id, clock.now());
            try {
              return await sync.run(AbortSignal.any([signal, lost.signal]), spareTime, fence);
            } finally {
              runs.delete(source.id);
            }
          })) ?? notPolledHere(),
        {
        intervalMs: source.pollInterval,
        onCrash: (err) => {
          metrics.runFinished(source.id, source.vendor, { ok: false, stats: emptyRunStats(), error: { code: 'sync_failed', message: '' } });
          logger.error({ source: source.id, err }, 'sync run crashed; will retry at the next poll');
        },
      }),
    );
  }

  const control: RelayControl = {
    store,
    clock,
    replicaId,
    leaseTtlMs: config.storage.leaseTtl,
    sources: config.sources.map((s) => ({
      id: s.id,
      vendor: s.vendor,
      enabled: s.enabled,
      pollInterval: formatDuration(s.pollInterval),
      initialSync: s.initialSync,
    })),
    syncNow: (id) => loops.get(id)?.trigger(),
    pollsHere: (id) => ownership.fenceOf(id) !== null,
    isSyncing: (id) => loops.get(id)?.running ?? false,
    syncProgress: (id) => syncs.get(id)?.progress() ?? null,
    unsavedSyncOutcome: (id) => syncs.get(id)?.unsavedOutcome() ?? null,
    releaseHeldDeletes: (id) => syncs.get(id)?.releaseHeldDeletes(),
    deliveryChanged: () => worker.notify(),
    allowPrivateTargets: config.delivery.allowPrivateTargets,
    secretRotationGraceMs: config.delivery.secretRotationGrace,
    maxSubscriptions: config.delivery.maxSubscriptions,
    fingerprintKey: await store.installKey('header-fingerprint'),
  };
  const api = createApi(control, {
    adminToken: config.server.adminToken,
    tokens: config.server.tokens,
    metricsAuth: config.server.metricsAuth,
    logger: logger.child({ component: 'api' }),
    metrics,
    dashboard: config.server.dashboard ? { sessionTtlMs: config.server.dashboardSessionTtl } : undefined,
  });

  let server: ServerType | null = null;
  let url: string | null = null;
  if (opts.listen !== false) {
    const listening = await new Promise<AddressInfo>((resolve, reject) => {
      const limits = ADMIN_SERVER_LIMITS;
      const s = serve(
        {
          fetch: api.fetch,
          hostname: config.server.host,
          port: config.server.port,
          serverOptions: {
            headersTimeout: limits.headersTimeoutMs,
            requestTimeout: limits.requestTimeoutMs,
            keepAliveTimeout: limits.keepAliveTimeoutMs,
            connectionsCheckingInterval: limits.checkIntervalMs,
          },
        },
        (info) => resolve(info),
      );
      s.maxConnections = limits.maxConnections;
      s.once('error', reject);
      server = s;
    });
    const host = listening.address.includes(':') ? `[${listening.address}]` : listening.address;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${listening.port}`;
    logger.info({ url, replica: replicaId, sources: config.sources.length, subscriptions: (await store.subscriptions.list()).length }, 'leadrelay listening');
  }

  await ownership.start();
  await worker.start(replicaId);
  // Events committed by other replicas' syncs (PostgreSQL NOTIFY): deliver them now, not at the next idle check.
  const stopListening = store.onOutboxGrew(() => worker.notify());
  // A poll asked for on another replica (POST /v1/sources/:id/sync): ours to run if we poll the source.
  const pollIfOurs = (id: string) => {
    if (ownership.fenceOf(id)) void loops.get(id)?.trigger();
  };
  const stopSyncRequests = store.onSyncRequested(pollIfOurs);
  // The backstop for a request announced while the listening connection was down.
  const syncRequestCheck = setInterval(() => {
    store.sources
      .syncRequests()
      .then((requests) => {
        for (const r of requests) if (r.requestedAt > (runStartedAt.get(r.sourceId) ?? 0)) pollIfOurs(r.sourceId);
      })
      .catch(() => {}); // a paused database: the next check
  }, Math.max(1000, Math.floor(config.storage.leaseTtl / 3)));
  syncRequestCheck.unref();
  for (const loop of loops.values()) loop.start();
  pruner.start();

  let stopped: Promise<void> | null = null;
  return {
    url,
    store,
    api,
    syncNow: control.syncNow,
    pruneNow: () => pruner.pruneNow(),
    stop() {
      stopped ??= (async () => {
        logger.info('leadrelay stopping');
        await Promise.all([...[...loops.values()].map((l) => l.stop()), pruner.stop()]);
        // Leases given up at once: other replicas take the sources now, not after the TTL.
        await ownership.stop();
        stopListening();
        stopSyncRequests();
        clearInterval(syncRequestCheck);
        await worker.stop(opts.shutdownGraceMs ?? 10_000);
        if (server) {
          const s = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
          let cut: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections?.(); // keep-alive clients must not hold shutdown open
            // Nor may one that goes idle later (a browser's dashboard refreshing itself) or a
            // request that never ends: whatever is left is cut after a short grace.
            cut = setTimeout(() => s.closeAllConnections?.(), ADMIN_SERVER_LIMITS.shutdownGraceMs);
          });
          clearTimeout(cut);
        }
        await Promise.all(https.map((h) => h.close()));
        await agent.close();
        await store.close();
        logger.info('leadrelay stopped');
      })();
      return stopped;
    },
  };
}

/** A poll of a source another replica polls: nothing ran here. */
function notPolledHere(): RunResult {
  return { ok: true, stats: emptyRunStats(), polledElsewhere: true };
}
