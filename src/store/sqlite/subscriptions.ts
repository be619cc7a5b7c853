// Subscription rows: where to send which events, how (secret, headers, limits), and the endpoint's health.
import type { ConfigSubscription, Subscription, SubscriptionOrigin, SubscriptionPatch } from '../types.js';
import { planConfigSync } from '../subscription-model.js';
import type { Db } from './db.js';

interface Row {
  id: string;
  url: string;
  secret: string;
  previous_secrets: string;
  events: string;
  sources: string | null;
  description: string | null;
  headers: string | null;
  max_per_second: number | null;
  max_concurrency: number | null;
  content_filter: string | null;
  payload_options: string | null;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
  circuit_open_until: number | null;
  origin: SubscriptionOrigin;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id, url, secret, previous_secrets, events, sources, description, headers,
  max_per_second, max_concurrency, content_filter, payload_options, enabled, disabled_reason, disabled_at, failing_since, consecutive_failures,
  circuit_open_until, origin, created_by, created_at, updated_at`;
const PARAMS = `@id, @url, @secret, @previousSecrets, @events, @sources, @description, @headers,
  @maxPerSecond, @maxConcurrency, @contentFilter, @payloadOptions, @enabled, @disabledReason, @disabledAt, @failingSince, @consecutiveFailures,
  @circuitOpenUntil, @origin, @createdBy, @createdAt, @updatedAt`;

export class SubscriptionStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly filteredStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(`INSERT INTO subscriptions (${COLUMNS}) VALUES (${PARAMS})`);
    this.getStmt = db.prepare(`SELECT * FROM subscriptions WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT * FROM subscriptions ORDER BY created_at, id`);
    // Keyset: a page starts after the last (created_at, id) shown, so deletes in between shift nothing.
    this.pageStmt = db.prepare(
      `SELECT * FROM subscriptions WHERE (created_at, id) > (@createdAt, @id) ORDER BY created_at, id LIMIT @limit`,
    );
    this.countStmt = db.prepare(`SELECT count(*) AS n FROM subscriptions`);
    // One statement for every kind of change. (Not REPLACE: that deletes the row first, and the
    // delete would cascade to the subscription's deliveries.)
    this.updateStmt = db.prepare(
      `UPDATE subscriptions SET ${COLUMNS.split(',')
        .map((c) => c.trim())
        .filter((c) => c !== 'id')
        .map((c) => `${c} = @${camel(c)}`)
        .join(', ')} WHERE id = @id`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM subscriptions WHERE id = ?`);
    this.filteredStmt = db.prepare(`SELECT subscription_id, filtered FROM subscription_filtered`);
  }

  insert(sub: Subscription): void {
    this.insertStmt.run(toParams(sub));
  }

  /** Inserts unless `max` subscriptions exist already (counted and inserted in one transaction). */
  insertWithinLimit(sub: Subscription, max: number): boolean {
    return this.db.transaction(() => {
      if (this.count() >= max) return false;
      this.insertStmt.run(toParams(sub));
      return true;
    })();
  }

  count(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  get(id: string): Subscription | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(): Subscription[] {
    return (this.listStmt.all() as Row[]).map(fromRow);
  }

  /** Oldest first, `limit` of them after the subscription `after` names (created then, with that id). */
  listPage(opts: { after?: { createdAt: string; id: string }; limit: number }): Subscription[] {
    const after = opts.after ?? { createdAt: '', id: '' };
    return (this.pageStmt.all({ ...after, limit: opts.limit }) as Row[]).map(fromRow);
  }

  update(id: string, patch: SubscriptionPatch, now: string): Subscription | undefined {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) return undefined;
      const next: Subscription = { ...current, ...patch, updatedAt: now };
      this.updateStmt.run(toParams(next));
      return next;
    })();
  }

  /** Events each subscription's filter kept back, by subscription id (absent: none yet). */
  filteredCounts(): Map<string, number> {
    const rows = this.filteredStmt.all() as Array<{ subscription_id: string; filtered: number }>;
    return new Map(rows.map((r) => [r.subscription_id, r.filtered]));
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  /** Makes the config-defined subscriptions match the config (planConfigSync), in one transaction. */
  syncFromConfig(wanted: readonly ConfigSubscription[], generateSecret: () => string, now: number, graceMs: number): { secretsCutShort: string[] } {
    return this.db.transaction(() => {
      const plan = planConfigSync(this.list(), wanted, generateSecret, now, graceMs);
      for (const sub of plan.inserts) this.insertStmt.run(toParams(sub));
      for (const sub of plan.updates) this.updateStmt.run(toParams(sub));
      for (const id of plan.deletes) this.deleteStmt.run(id);
      return { secretsCutShort: plan.secretsCutShort };
    })();
  }
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

function toParams(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    secret: s.secret,
    previousSecrets: JSON.stringify(s.previousSecrets),
    events: JSON.stringify(s.events),
    sources: s.sources === null ? null : JSON.stringify(s.sources),
    description: s.description,
    headers: Object.keys(s.headers).length ? JSON.stringify(s.headers) : null,
    maxPerSecond: s.maxPerSecond,
    maxConcurrency: s.maxConcurrency,
    contentFilter: s.filter === null ? null : JSON.stringify(s.filter),
    payloadOptions: s.payload === null ? null : JSON.stringify(s.payload),
    enabled: s.enabled ? 1 : 0,
    disabledReason: s.disabledReason,
    disabledAt: s.disabledAt,
    failingSince: s.failingSince,
    consecutiveFailures: s.consecutiveFailures,
    circuitOpenUntil: s.circuitOpenUntil,
    origin: s.origin,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function fromRow(r: Row): Subscription {
  return {
    id: r.id,
    url: r.url,
    secret: r.secret,
    previousSecrets: JSON.parse(r.previous_secrets),
    events: JSON.parse(r.events),
    sources: r.sources === null ? null : JSON.parse(r.sources),
    description: r.description,
    headers: r.headers ? JSON.parse(r.headers) : {},
    maxPerSecond: r.max_per_second,
    maxConcurrency: r.max_concurrency,
    filter: r.content_filter === null ? null : JSON.parse(r.content_filter),
    payload: r.payload_options === null ? null : JSON.parse(r.payload_options),
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    failingSince: r.failing_since,
    consecutiveFailures: r.consecutive_failures,
    circuitOpenUntil: r.circuit_open_until,
    origin: r.origin,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
