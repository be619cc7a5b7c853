// A whole relay over real HTTP: a vendor simulator on 127.0.0.1 (Apten unless told otherwise), the
// relay (in-process) with its admin API listening, and verifying subscribers. Nothing of ours is mocked.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { validateConfig, type Config } from '../../src/config/index.js';
import { createLogger, resolveLogLevel } from '../../src/log.js';
import { startRelay, type RunningRelay } from '../../src/relay.js';
import { generateSecret } from '../../src/delivery/sign.js';
import { AptenSimulator, AptenVendorSim } from '../../src/vendors/apten/sim/index.js';
import type { SimServerHandle, VendorSimulator } from '../../src/vendors/sim-common/types.js';
import { TestSubscriber } from './subscriber.js';
import { waitFor } from './wait.js';
import type { Clock } from '../../src/util/time.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const APTEN_KEY = 'apten-test-key-secret-value';

export interface HarnessOptions {
  initialSync?: 'baseline' | 'emit';
  retrySchedule?: string[];
  timeout?: string;
  pageSize?: number;
  /** Extra config subscriptions; by default one catch-all subscription to `sub`. */
  subscriptions?: (h: { sub: TestSubscriber }) => unknown[];
  perSubscriptionConcurrency?: number;
  seed?: number;
  /** Vendor request retries within a run (default 2 here, to keep fault tests short). */
  maxRetries?: number;
  /** Default true: test subscribers live on 127.0.0.1. */
  allowPrivateTargets?: boolean;
  /** Adds a second source, "<id>-b", reading the same simulated account. */
  secondSource?: boolean;
  /** More sources reading the same simulator: each entry's keys over the simulator's source config. */
  moreSources?: Array<Record<string, unknown> & { id: string }>;
  /** Another vendor's simulator instead of Apten's. */
  sim?: VendorSimulator;
  /** The source's id (default: "apten" for Apten, else the vendor name). */
  sourceId?: string;
  /** More source config keys (e.g. maxDeleteShare, rateLimits, fullScanEvery). */
  source?: Record<string, unknown>;
  /** More delivery config keys (e.g. autoDisableAfter, circuitBreakerAfter). */
  delivery?: Record<string, unknown>;
  /** delivery.retention (default: the config's, 30d). */
  retention?: string;
  /** Retention pruner timing (default: the relay's, first run after 30 s, then hourly). */
  pruner?: { firstRunAfterMs?: number; intervalMs?: number };
  /** server.logLevel in the config, applied as the daemon applies it (default: log at debug). */
  logLevel?: string;
  /** The relay's clock (default: the system clock); a ManualClock makes time-based decisions deterministic. */
  clock?: Clock;
  /** storage.url: run on this PostgreSQL database instead of a SQLite file. */
  storageUrl?: string;
  /** More storage config keys (e.g. leaseTtl). */
  storage?: Record<string, unknown>;
  /** More server config keys (e.g. tokens, metricsAuth). */
  server?: Record<string, unknown>;
}

export class Harness {
  /** Set when the harness runs the default Apten simulator. */
  apten!: AptenSimulator;
  vendorSim!: VendorSimulator;
  simServer!: SimServerHandle;
  sourceId!: string;
  sub!: TestSubscriber;
  relay!: RunningRelay;
  config!: Config;
  readonly dir = mkdtempSync(join(tmpdir(), 'leadrelay-test-'));
  readonly logs: string[] = [];

  constructor(readonly opts: HarnessOptions = {}) {}

  async start(): Promise<this> {
    if (this.opts.sim) {
      this.vendorSim = this.opts.sim;
      if (this.opts.seed) this.vendorSim.seed(this.opts.seed);
    } else {
      this.apten = new AptenSimulator({ apiKey: APTEN_KEY });
      if (this.opts.seed) this.apten.seed(this.opts.seed, { eventsPerLead: 1 });
      this.vendorSim = new AptenVendorSim(this.apten);
    }
    this.sourceId = this.opts.sourceId ?? (this.vendorSim.vendor === 'apten' ? 'apten' : this.vendorSim.vendor);
    this.simServer = await this.vendorSim.listen();
    const simSource = this.vendorSim.sourceConfig(this.simServer.url);
    this.sub = await new TestSubscriber(generateSecret()).start();
    const parsed = validateConfig({
      server: {
        host: '127.0.0.1',
        port: 0,
        adminToken: ADMIN_TOKEN,
        ...(this.opts.logLevel ? { logLevel: this.opts.logLevel } : {}),
        ...this.opts.server,
      },
      storage: this.opts.storageUrl
        ? { url: this.opts.storageUrl, poolSize: 4, ...this.opts.storage }
        : { path: join(this.dir, 'relay.db'), ...this.opts.storage },
      sources: [
        {
          id: this.sourceId,
          ...simSource,
          pollInterval: '1h', // tests trigger syncs themselves
          initialSync: this.opts.initialSync ?? 'emit',
          ...(this.opts.pageSize ? { pageSize: this.opts.pageSize } : {}),
          maxRetries: this.opts.maxRetries ?? 2,
          ...this.opts.source,
        },
        ...(this.opts.secondSource ? [{ id: `${this.sourceId}-b`, ...simSource, pollInterval: '1h', initialSync: 'emit' }] : []),
        ...(this.opts.moreSources ?? []).map((s) => ({ ...simSource, pollInterval: '1h', initialSync: this.opts.initialSync ?? 'emit', maxRetries: this.opts.maxRetries ?? 2, ...s })),
      ],
      subscriptions: this.opts.subscriptions?.({ sub: this.sub }) ?? [
        { id: 'all', url: this.sub.url, secret: this.sub.secret },
      ],
      delivery: {
        allowPrivateTargets: this.opts.allowPrivateTargets ?? true,
        timeout: this.opts.timeout ?? '2s',
        retrySchedule: this.opts.retrySchedule ?? ['50ms', '100ms', '200ms'],
        ...(this.opts.perSubscriptionConcurrency ? { perSubscriptionConcurrency: this.opts.perSubscriptionConcurrency } : {}),
        // Failing test subscribers must not sit behind a 30 s open circuit unless a test wants that.
        circuitBreakerCooldown: '50ms',
        ...this.opts.delivery,
        ...(this.opts.retention ? { retention: this.opts.retention } : {}),
      },
    });
    if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.problems)}`);
    this.config = parsed.config;
    await this.startRelay();
    return this;
  }

  async startRelay(): Promise<void> {
    const logger = createLogger({
      level: this.opts.logLevel ? resolveLogLevel(this.config.server.logLevel, {}) : 'debug',
      destination: { write: (line: string) => void this.logs.push(line) },
    });
    this.relay = await startRelay(this.config, { logger, clock: this.opts.clock, shutdownGraceMs: 2000, retention: this.opts.pruner });
    await this.waitIdle();
  }

  async restartRelay(): Promise<void> {
    await this.relay.stop();
    await this.startRelay();
  }

  /** An admin API call over HTTP. */
  async api(method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
    const res = await request(`${this.relay.url}${path}`, {
      method: method as 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  /** Runs one sync through the admin API and waits for it. */
  async sync(source = this.sourceId) {
    const res = await this.api('POST', `/v1/sources/${source}/sync?wait=true`);
    if (res.status !== 200) throw new Error(`sync failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { status: 'ok' | 'error'; stats: any; error: { code: string; message: string } | null };
  }

  /**
   * One sync that must succeed, then the webhooks the subscriber accepted since `from` (by default:
   * since this sync started), once the relay is idle.
   */
  async syncAndCollect(from = this.sub.accepted.length) {
    const run = await this.sync();
    if (run.status !== 'ok' || run.error !== null) throw new Error(`sync did not succeed: ${JSON.stringify(run.error ?? run.status)}`);
    await this.waitIdle();
    return this.sub.accepted.slice(from);
  }

  /** Waits until no sync runs and no delivery is pending. */
  async waitIdle(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      async () => {
        const sources = await this.api('GET', '/v1/sources');
        const syncing = sources.body.data.some((s: any) => s.syncing || s.lastSync.finishedAt === null);
        const { deliveries } = this.relay.store;
        return !syncing && (await deliveries.fanOutBacklog()) === 0 && (await deliveries.pendingCount()) === 0;
      },
      { timeoutMs, what: 'relay to be idle' },
    );
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.relay?.stop();
    await this.sub?.close();
    await this.simServer?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
