// Wake-ups from other replicas: a dedicated connection LISTENing on the channel the page writes
// NOTIFY (outbox events committed) and on the one sync requests NOTIFY (a source's poll asked for),
// reconnected with backoff when it drops. Only hints: callers still poll.
import pg from 'pg';
import { plainError } from './pool.js';
import { OUTBOX_CHANNEL } from './snapshot/write-page.js';

/** NOTIFY payload: the id of the source whose poll was asked for (sources.ts requestSync). */
export const SYNC_CHANNEL = 'leadrelay_sync';

export interface OutboxListenerOptions {
  /** How often the connection is probed (a silently dead one delivers nothing and says nothing). */
  checkEveryMs?: number;
  /** First reconnect delay; doubles per failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about a lost or failed connection (it is retried regardless). */
  onError?: (err: Error) => void;
}

/**
 * The LISTEN connection names itself apart from the pool's, so an operator (or a test) can tell it
 * in pg_stat_activity: its last query is the probe's SELECT 1, not its LISTEN, most of the time.
 */
export function listenerConfig(config: pg.ClientConfig): pg.ClientConfig {
  const name = config.application_name ?? 'leadrelay';
  return { ...config, application_name: `${name.slice(0, 63 - ' (listen)'.length)} (listen)` };
}

export class OutboxListener {
  private readonly listeners = new Set<() => void>();
  private readonly syncListeners = new Set<(sourceId: string) => void>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private check: NodeJS.Timeout | null = null;
  private backoff: number;
  private closed = false;
  /** Connections made so far (tests and logs: a reconnect shows as 2). */
  connections = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly opts: OutboxListenerOptions = {},
  ) {
    this.backoff = opts.minBackoffMs ?? 250;
  }

  subscribe(listener: () => void): () => void {
    return this.add(this.listeners, listener);
  }

  /** Sync requests: the listener gets the source id. */
  subscribeSync(listener: (sourceId: string) => void): () => void {
    return this.add(this.syncListeners, listener);
  }

  private get active(): number {
    return this.listeners.size + this.syncListeners.size;
  }

  private add<L>(set: Set<L>, listener: L): () => void {
    set.add(listener);
    if (this.active === 1) this.start();
    return () => {
      set.delete(listener);
      if (this.active === 0) void this.stop();
    };
  }

  private fireSync(sourceId: string): void {
    for (const l of [...this.syncListeners]) {
      try {
        l(sourceId);
      } catch {
        // A listener's failure is its own; the others are still told.
      }
    }
  }

  private fire(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // A listener's failure is its own; the others are still told.
      }
    }
  }

  private start(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => (this.connecting = null));
    this.check ??= setInterval(() => void this.probe(), this.opts.checkEveryMs ?? 30_000).unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(listenerConfig(this.config));
    client.on('notification', (n) => {
      if (n.channel === OUTBOX_CHANNEL) this.fire();
      else if (n.channel === SYNC_CHANNEL && n.payload) this.fireSync(n.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}; LISTEN ${SYNC_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.closed || this.active === 0) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoff = this.opts.minBackoffMs ?? 250;
    // Commits made while there was no connection were not heard: wake the callers once.
    if (this.connections++ > 0) this.fire();
  }

  /** A dropped connection: forgotten, closed, and replaced after the backoff. */
  private lost(client: pg.Client, err: Error): void {
    client.removeAllListeners('end');
    client.on('error', () => {}); // late errors of a connection already given up
    void client.end().catch(() => {});
    if (this.client === client) this.client = null;
    if (this.closed || this.active === 0 || this.retry) return;
    this.opts.onError?.(plainError(err));
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30_000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start();
    }, delay).unref();
  }

  private async probe(): Promise<void> {
    const client = this.client;
    if (!client) return this.start();
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  /** Drops the connection once nobody listens (or at close); a subscribe meanwhile keeps it. */
  private async stop(): Promise<void> {
    await this.connecting;
    if (!this.closed && this.active > 0) return;
    if (this.retry) clearTimeout(this.retry);
    if (this.check) clearInterval(this.check);
    this.retry = this.check = null;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }
}
