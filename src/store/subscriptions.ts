// Subscription rows: where to send which events, with what secret.
import type { Db } from './db.js';

export interface Subscription {
  id: string;
  url: string;
  secret: string;
  events: string[];
  sources: string[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  origin: 'config' | 'api';
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionPatch = Partial<
  Pick<Subscription, 'url' | 'events' | 'sources' | 'description' | 'enabled' | 'disabledReason'>
>;

interface Row {
  id: string;
  url: string;
  secret: string;
  events: string;
  sources: string | null;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  origin: 'config' | 'api';
  created_at: string;
  updated_at: string;
}

export class SubscriptionStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO subscriptions (id, url, secret, events, sources, description, enabled, disabled_reason, origin, created_at, updated_at)
       VALUES (@id, @url, @secret, @events, @sources, @description, @enabled, @disabledReason, @origin, @createdAt, @updatedAt)`,
    );
    this.getStmt = db.prepare(`SELECT * FROM subscriptions WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT * FROM subscriptions ORDER BY created_at, id`);
    this.updateStmt = db.prepare(
      `UPDATE subscriptions SET url = @url, secret = @secret, events = @events, sources = @sources,
         description = @description, enabled = @enabled, disabled_reason = @disabledReason, updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM subscriptions WHERE id = ?`);
  }

  insert(sub: Subscription): void {
    this.insertStmt.run(toParams(sub));
  }

  get(id: string): Subscription | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(): Subscription[] {
    return (this.listStmt.all() as Row[]).map(fromRow);
  }

  update(id: string, patch: SubscriptionPatch & { secret?: string }, now: string): Subscription | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next: Subscription = { ...current, ...patch, updatedAt: now };
    this.updateStmt.run(toParams(next));
    return next;
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  /**
   * Makes the config-defined subscriptions match the config: inserts new ones, updates changed ones,
   * deletes those no longer listed. A generated secret is kept across restarts.
   */
  syncFromConfig(
    wanted: Array<Omit<Subscription, 'secret' | 'origin' | 'createdAt' | 'updatedAt' | 'disabledReason'> & { secret?: string }>,
    generateSecret: () => string,
    now: string,
  ): void {
    this.db.transaction(() => {
      const existing = new Map(this.list().filter((s) => s.origin === 'config').map((s) => [s.id, s]));
      for (const w of wanted) {
        const current = this.get(w.id);
        if (current && current.origin !== 'config') {
          throw new Error(`subscriptions: id "${w.id}" is already used by a subscription created through the API`);
        }
        if (!current) {
          this.insert({
            ...w,
            secret: w.secret ?? generateSecret(),
            origin: 'config',
            disabledReason: w.enabled ? null : 'disabled in config',
            createdAt: now,
            updatedAt: now,
          });
          continue;
        }
        existing.delete(w.id);
        // enabled: false in config always wins; enabled: true keeps a runtime disable (e.g. after 410 Gone).
        const enabled = w.enabled ? current.enabled : false;
        this.updateStmt.run(
          toParams({
            ...current,
            url: w.url,
            events: w.events,
            sources: w.sources,
            description: w.description,
            secret: w.secret ?? current.secret,
            enabled,
            disabledReason: enabled ? null : (current.disabledReason ?? 'disabled in config'),
            updatedAt: now,
          }),
        );
      }
      for (const gone of existing.keys()) this.deleteStmt.run(gone);
    })();
  }
}

function toParams(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    secret: s.secret,
    events: JSON.stringify(s.events),
    sources: s.sources === null ? null : JSON.stringify(s.sources),
    description: s.description,
    enabled: s.enabled ? 1 : 0,
    disabledReason: s.disabledReason,
    origin: s.origin,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function fromRow(r: Row): Subscription {
  return {
    id: r.id,
    url: r.url,
    secret: r.secret,
    events: JSON.parse(r.events),
    sources: r.sources === null ? null : JSON.parse(r.sources),
    description: r.description,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    origin: r.origin,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
