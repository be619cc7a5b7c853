// Subscription rows: where to send which events, how (secret, headers, limits), and the endpoint's health.
import type { PreviousSecret, Subscription, SubscriptionOrigin, SubscriptionPatch } from './types.js';
export type { PreviousSecret, Subscription, SubscriptionOrigin, SubscriptionPatch } from './types.js';
import type { Db } from './db.js';


/**
 * Earlier secrets that may sign at once. Every one adds a signature to every webhook; three cover a
 * rotation done again (a typo, a second leak) within one grace period without growing unbounded.
 */
export const MAX_PREVIOUS_SECRETS = 3;

/** Earlier secrets still in their grace period at `now`, newest first. */
export function livePreviousSecrets(sub: Pick<Subscription, 'previousSecrets'>, now: number): PreviousSecret[] {
  return sub.previousSecrets.filter((p) => p.expiresAt > now);
}

/** The secrets that sign a webhook sent at `now`: the current one first, then each earlier one still in its grace. */
export function signingSecrets(sub: Pick<Subscription, 'secret' | 'previousSecrets'>, now: number): string[] {
  return [sub.secret, ...livePreviousSecrets(sub, now).map((p) => p.secret)];
}

/**
 * The earlier secrets after rotating to `secret` at `now`: the replaced one (signing until now +
 * graceMs) before the ones still in their grace. Going back to an earlier secret takes it off the
 * list; the result may be longer than MAX_PREVIOUS_SECRETS, which the caller decides about.
 */
export function previousAfterRotation(sub: Pick<Subscription, 'secret' | 'previousSecrets'>, secret: string, now: number, graceMs: number): PreviousSecret[] {
  if (secret === sub.secret) return livePreviousSecrets(sub, now);
  return [{ secret: sub.secret, expiresAt: now + graceMs }, ...livePreviousSecrets(sub, now)].filter((p) => p.secret !== secret);
}

/** Enabled, never failed, circuit closed: a new subscription, or one an operator re-enabled. */
export const CLEAN_HEALTH = {
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  consecutiveFailures: 0,
  circuitOpenUntil: null,
} as const satisfies Partial<Subscription>;

/** A new subscription from what its creator chose; no secret rotation in progress, clean health. */
export function newSubscription(
  fields: Omit<Subscription, keyof typeof CLEAN_HEALTH | 'previousSecrets' | 'enabled' | 'createdAt' | 'updatedAt'>,
  nowIso: string,
): Subscription {
  return { ...fields, ...CLEAN_HEALTH, previousSecrets: [], enabled: true, createdAt: nowIso, updatedAt: nowIso };
}


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
  max_per_second, max_concurrency, enabled, disabled_reason, disabled_at, failing_since, consecutive_failures,
  circuit_open_until, origin, created_by, created_at, updated_at`;
const PARAMS = `@id, @url, @secret, @previousSecrets, @events, @sources, @description, @headers,
  @maxPerSecond, @maxConcurrency, @enabled, @disabledReason, @disabledAt, @failingSince, @consecutiveFailures,
  @circuitOpenUntil, @origin, @createdBy, @createdAt, @updatedAt`;

export class SubscriptionStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

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

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  /**
   * Makes the config-defined subscriptions match the config: inserts new ones, updates changed ones,
   * deletes those no longer listed. A generated secret is kept across restarts; a secret changed in
   * the file keeps the replaced one signing for `graceMs`, as a rotation through the API would.
   * Returns the ids whose oldest earlier secret had to stop signing early (more than
   * MAX_PREVIOUS_SECRETS in their grace period): a start cannot be refused as an API call is.
   */
  syncFromConfig(
    wanted: Array<
      Pick<Subscription, 'id' | 'url' | 'events' | 'sources' | 'description' | 'enabled' | 'headers' | 'maxPerSecond' | 'maxConcurrency'> & {
        secret?: string;
      }
    >,
    generateSecret: () => string,
    now: number,
    graceMs: number,
  ): { secretsCutShort: string[] } {
    const nowIso = new Date(now).toISOString();
    const secretsCutShort: string[] = [];
    this.db.transaction(() => {
      const existing = new Map(this.list().filter((s) => s.origin === 'config').map((s) => [s.id, s]));
      for (const w of wanted) {
        const current = this.get(w.id);
        if (current && current.origin !== 'config') {
          throw new Error(`subscriptions: id "${w.id}" is already used by a subscription created through the API`);
        }
        if (!current) {
          const { enabled, ...chosen } = w;
          this.insert({
            ...newSubscription({ ...chosen, secret: w.secret ?? generateSecret(), origin: 'config', createdBy: null }, nowIso),
            ...(enabled ? {} : { enabled: false, disabledReason: 'disabled in config', disabledAt: now }),
          });
          continue;
        }
        existing.delete(w.id);
        const secret = w.secret ?? current.secret;
        let previousSecrets = current.previousSecrets;
        if (secret !== current.secret) {
          previousSecrets = previousAfterRotation(current, secret, now, graceMs);
          if (previousSecrets.length > MAX_PREVIOUS_SECRETS) {
            previousSecrets = previousSecrets.slice(0, MAX_PREVIOUS_SECRETS);
            secretsCutShort.push(w.id);
          }
        }
        // enabled: false in config always wins; enabled: true keeps a runtime disable (e.g. after 410 Gone).
        const enabled = w.enabled ? current.enabled : false;
        this.updateStmt.run(
          toParams({
            ...current,
            ...w,
            secret,
            previousSecrets,
            enabled,
            disabledReason: enabled ? null : (current.disabledReason ?? 'disabled in config'),
            disabledAt: enabled ? null : (current.disabledAt ?? now),
            updatedAt: nowIso,
          }),
        );
      }
      for (const gone of existing.keys()) this.deleteStmt.run(gone);
    })();
    return { secretsCutShort };
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
