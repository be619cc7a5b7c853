// A relay fed by simulators of all four vendors (Apten, Nexus ERP, PenguinMails, MEGA), one source
// each, with a verifying subscriber (standardwebhooks) on a catch-all subscription: the set-up the
// dashboard's browser tests look at. Runs in-process on a SQLite file (or PostgreSQL with `storageUrl`);
// syncs happen when a test asks (poll intervals of an hour), so what a page shows is known.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { validateConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startRelay, type RunningRelay } from '../../src/relay.js';
import { generateSecret } from '../../src/delivery/sign.js';
import { AptenSimulator, AptenVendorSim } from '../../src/vendors/apten/sim/index.js';
import { NexusSimulator } from '../../src/vendors/nexus-erp/sim/index.js';
import { PenguinMailsSimulator } from '../../src/vendors/penguinmails/sim/index.js';
import { MegaSimulator } from '../../src/vendors/mega/sim/index.js';
import type { SimServerHandle, VendorSimulator } from '../../src/vendors/sim-common/types.js';
import { TestSubscriber } from './subscriber.js';
import { waitFor } from './wait.js';
import type { Clock } from '../../src/util/time.js';

export const ADMIN_TOKEN = 'dashboard-admin-token-0123456789abcdef';
export const READ_TOKEN = 'dashboard-read-token-0123456789abcdef';
export const HOOKS_TOKEN = 'dashboard-hooks-token-0123456789abcdef';

export const SOURCE_IDS = ['apten', 'nexus', 'penguin', 'mega'] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

export interface FourVendorOptions {
  /** Leads each simulator starts with (default 5). */
  leads?: number;
  storageUrl?: string;
  clock?: Clock;
  /** More server config keys. */
  server?: Record<string, unknown>;
  /** More delivery config keys (e.g. circuitBreakerAfter). */
  delivery?: Record<string, unknown>;
}

export class FourVendorRelay {
  readonly apten = new AptenSimulator({ apiKey: 'dash-apten-key-0123456789' });
  readonly nexus = new NexusSimulator({ apiKey: 'dash-nexus-key-0123456789' });
  readonly penguin = new PenguinMailsSimulator({ apiKey: 'dash-penguin-key-0123456789' });
  readonly mega = new MegaSimulator();
  /** Each source's simulator, by source id. */
  readonly sims: Record<SourceId, VendorSimulator>;
  readonly dir = mkdtempSync(join(tmpdir(), 'leadrelay-dashboard-'));
  readonly logs: string[] = [];
  sub!: TestSubscriber;
  relay!: RunningRelay;
  config!: Config;
  private servers: SimServerHandle[] = [];

  constructor(readonly opts: FourVendorOptions = {}) {
    this.sims = { apten: new AptenVendorSim(this.apten), nexus: this.nexus, penguin: this.penguin, mega: this.mega };
  }

  get url(): string {
    return this.relay.url!;
  }

  async start(): Promise<this> {
    const sources: unknown[] = [];
    for (const id of SOURCE_IDS) {
      const sim = this.sims[id];
      sim.seed(this.opts.leads ?? 5);
      const server = await sim.listen();
      this.servers.push(server);
      sources.push({ id, ...sim.sourceConfig(server.url), pollInterval: '1h', initialSync: 'emit', maxRetries: 2 });
    }
    this.sub = await new TestSubscriber(generateSecret()).start();
    const parsed = validateConfig({
      server: {
        host: '127.0.0.1',
        port: 0,
        adminToken: ADMIN_TOKEN,
        tokens: [
          { name: 'oncall', token: READ_TOKEN, scopes: ['read'] },
          { name: 'zapier', token: HOOKS_TOKEN, scopes: ['hooks'] },
        ],
        ...this.opts.server,
      },
      storage: this.opts.storageUrl ? { url: this.opts.storageUrl, poolSize: 4 } : { path: join(this.dir, 'relay.db') },
      sources,
      subscriptions: [{ id: 'crm', url: this.sub.url, secret: this.sub.secret, description: 'CRM sync (all events)' }],
      delivery: { allowPrivateTargets: true, timeout: '2s', retrySchedule: ['50ms', '100ms'], circuitBreakerCooldown: '50ms', ...this.opts.delivery },
    });
    if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.problems)}`);
    this.config = parsed.config;
    await this.startRelay();
    return this;
  }

  private async startRelay(): Promise<void> {
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void this.logs.push(line) } });
    this.relay = await startRelay(this.config, { logger, clock: this.opts.clock, shutdownGraceMs: 2000 });
  }

  /** Stops and starts the relay on the same port and database (a browser's cookie keeps pointing at it). */
  async restart(): Promise<void> {
    const port = Number(new URL(this.url).port);
    await this.relay.stop();
    this.config = { ...this.config, server: { ...this.config.server, port } };
    await this.startRelay();
  }

  /** An admin API call over HTTP (admin token unless told). */
  async api(method: string, path: string, body?: unknown, token: string = ADMIN_TOKEN) {
    const res = await request(`${this.url}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  }

  async source(id: SourceId) {
    return ((await this.api('GET', '/v1/sources')).body.data as any[]).find((s) => s.id === id);
  }

  /** One sync of a source through the API, waited for. */
  async sync(id: SourceId) {
    const res = await this.api('POST', `/v1/sources/${id}/sync?wait=true`);
    if (res.status !== 200) throw new Error(`sync of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { status: 'ok' | 'error'; stats: any; error: { code: string; message: string } | null };
  }

  async syncAll(): Promise<void> {
    for (const id of SOURCE_IDS) {
      const r = await this.sync(id);
      if (r.status !== 'ok') throw new Error(`sync of ${id} failed: ${JSON.stringify(r.error)}`);
    }
  }

  /** No sync running and nothing left to deliver. */
  async waitIdle(timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        const sources = (await this.api('GET', '/v1/sources')).body.data as any[];
        const { deliveries } = this.relay.store;
        return !sources.some((s) => s.syncing) && (await deliveries.fanOutBacklog()) === 0 && (await deliveries.pendingCount()) === 0;
      },
      { timeoutMs, what: 'the relay to be idle' },
    );
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
    await this.sub?.close();
    await Promise.all(this.servers.map((s) => s.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
