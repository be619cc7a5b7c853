// Subscription rules that hold whatever stores them: secret rotation, a new subscription's clean
// state, and how the config file's subscriptions become rows (planned here, written by each backend).
import { isDeepStrictEqual } from 'node:util';
import type { ConfigSubscription, PreviousSecret, Subscription } from './types.js';

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

/** What syncFromConfig writes: new rows, changed rows (whole), ids to delete. */
export interface ConfigSyncPlan {
  inserts: Subscription[];
  /** Whole rows as they should be stored; only those that differ from the stored ones (updatedAt aside). */
  updates: Subscription[];
  /** Config-defined subscriptions the config no longer lists. */
  deletes: string[];
  /** Ids whose oldest earlier secret had to stop signing early (more than MAX_PREVIOUS_SECRETS in their grace). */
  secretsCutShort: string[];
}

/**
 * `existing`: the stored subscriptions (at least every config-defined one and every one whose id
 * the config names). A generated secret is kept across restarts; a secret changed in the file keeps
 * the replaced one signing for `graceMs`, as a rotation through the API would. A subscription
 * changed at runtime is rewritten only where the config differs, so applying the same config twice
 * (a restart, or two replicas starting together) changes nothing the second time. Throws when a
 * config id is taken by a subscription made through the API or a REST hook.
 */
export function planConfigSync(
  existing: readonly Subscription[],
  wanted: readonly ConfigSubscription[],
  generateSecret: () => string,
  now: number,
  graceMs: number,
): ConfigSyncPlan {
  const nowIso = new Date(now).toISOString();
  const byId = new Map(existing.map((s) => [s.id, s]));
  const plan: ConfigSyncPlan = { inserts: [], updates: [], deletes: [], secretsCutShort: [] };
  const listed = new Set<string>();
  for (const w of wanted) {
    listed.add(w.id);
    const current = byId.get(w.id);
    if (current && current.origin !== 'config') {
      throw new Error(`subscriptions: id "${w.id}" is already used by a subscription created through the API`);
    }
    if (!current) {
      const { enabled, ...chosen } = w;
      plan.inserts.push({
        ...newSubscription({ ...chosen, secret: w.secret ?? generateSecret(), origin: 'config', createdBy: null }, nowIso),
        ...(enabled ? {} : { enabled: false, disabledReason: 'disabled in config', disabledAt: now }),
      });
      continue;
    }
    const secret = w.secret ?? current.secret;
    let previousSecrets = current.previousSecrets;
    if (secret !== current.secret) {
      previousSecrets = previousAfterRotation(current, secret, now, graceMs);
      if (previousSecrets.length > MAX_PREVIOUS_SECRETS) {
        previousSecrets = previousSecrets.slice(0, MAX_PREVIOUS_SECRETS);
        plan.secretsCutShort.push(w.id);
      }
    }
    // enabled: false in config always wins; enabled: true keeps a runtime disable (e.g. after 410 Gone).
    const enabled = w.enabled ? current.enabled : false;
    const next: Subscription = {
      ...current,
      // An absent optional key (secret) leaves the stored value, as null would not.
      ...Object.fromEntries(Object.entries(w).filter(([, v]) => v !== undefined)),
      secret,
      previousSecrets,
      enabled,
      disabledReason: enabled ? null : (current.disabledReason ?? 'disabled in config'),
      disabledAt: enabled ? null : (current.disabledAt ?? now),
      updatedAt: current.updatedAt,
    };
    if (!isDeepStrictEqual(next, current)) plan.updates.push({ ...next, updatedAt: nowIso });
  }
  for (const s of existing) if (s.origin === 'config' && !listed.has(s.id)) plan.deletes.push(s.id);
  return plan;
}
