// What the admin API and the dashboard both do to a subscription or a delivery: change its settings,
// rotate its secret, send a test ping, retry one delivery, retry every failed delivery of a filter.
// One implementation, so a rule (a config subscription's settings live in the file, headers do not
// follow a URL to another host, ...) holds whichever way an operator asks.
import type { RelayControl } from './control.js';
import type { JsonObject, OutboxEvent } from '../model.js';
import { CLEAN_HEALTH, MAX_PREVIOUS_SECRETS, previousAfterRotation, type DeliveryFilter, type Subscription, type SubscriptionPatch } from '../store/index.js';
import { generateSecret } from '../delivery/sign.js';
import { newId } from '../util/ids.js';
import { ApiError, notFound } from './errors.js';
import { iso } from './present.js';
import { subscriptionGuards } from './routes/subscription-guards.js';
import { replayMissed, type ReplayResult } from './routes/replay.js';

/** A PATCH body as updateSubscriptionSchema gives it. */
export interface SubscriptionChange extends Omit<SubscriptionPatch, 'headers' | 'filter'> {
  headers?: Record<string, string> | null;
  /** Validated by filterSchema (src/filters): JSON, as parsed from the request. */
  filter?: Record<string, unknown> | null;
  replayMissed?: boolean;
}

/** host[:port] as URL normalizes it (lower case, default port left out). */
const hostOf = (url: string) => new URL(url).host;

/** PATCH /v1/subscriptions/:id and the dashboard's settings form. */
export async function changeSubscription(relay: RelayControl, current: Subscription, body: SubscriptionChange): Promise<{ sub: Subscription; replayed: ReplayResult | null }> {
  const guards = subscriptionGuards(relay);
  const { replayMissed: wantReplay, ...patch } = body;
  guards.checkSources(patch.sources);
  if (current.origin === 'config') {
    const other = Object.keys(patch).filter((k) => k !== 'enabled');
    if (other.length) {
      throw new ApiError(
        409,
        'managed_by_config',
        `subscription "${current.id}" is defined in the config file; change ${other.join(', ')} there (only enabled can be changed here)`,
      );
    }
  }
  await guards.checkTarget(patch.url);
  const now = relay.clock.now();
  const change: SubscriptionPatch = { ...patch, headers: patch.headers === null ? {} : patch.headers, filter: patch.filter as JsonObject | null | undefined };
  if (change.filter === undefined) delete change.filter;
  // Static headers are usually credentials for the endpoint they were set for: moved to another
  // host they would hand them to whoever runs it. They go unless given again in this request.
  if (change.headers === undefined && patch.url !== undefined && hostOf(patch.url) !== hostOf(current.url)) change.headers = {};
  if (change.headers === undefined) delete change.headers;
  if (patch.enabled === true && !current.enabled) {
    // A fresh start: the endpoint's failure history no longer counts against it.
    Object.assign(change, CLEAN_HEALTH);
  } else if (patch.enabled === false && current.enabled) {
    Object.assign(change, { disabledReason: 'disabled through the API', disabledAt: now });
  }
  const next = await relay.store.subscriptions.update(current.id, change, new Date(now).toISOString());
  if (!next) throw notFound('subscription', current.id); // deleted meanwhile
  const replayed = wantReplay && !current.enabled && current.disabledAt !== null ? await replayMissed(relay, next, current.disabledAt) : null;
  relay.deliveryChanged();
  return { sub: next, replayed };
}

/** A config-file subscription's secret is the file's. */
export function refuseConfigRotation(sub: Subscription): void {
  if (sub.origin !== 'config') return;
  throw new ApiError(
    409,
    'managed_by_config',
    `subscription "${sub.id}" is defined in the config file; change its secret there (the old one keeps signing for delivery.secretRotationGrace)`,
  );
}

/**
 * A new secret signs from now on; the replaced one signs alongside it for the grace period, so
 * receivers can switch without dropping a webhook (Standard Webhooks allows several signatures).
 * Rotating again within that period keeps every earlier secret signing, up to MAX_PREVIOUS_SECRETS.
 */
export async function rotateSecret(relay: RelayControl, id: string, given?: string): Promise<{ id: string; secret: string; previousSecretExpiresAt: string }> {
  const guards = subscriptionGuards(relay);
  const sub = await guards.requireSubscription(id);
  refuseConfigRotation(sub);
  if (given === sub.secret) {
    throw new ApiError(400, 'invalid_request', 'secret: is already the current secret', [{ field: 'secret', message: 'is already the current secret' }]);
  }
  const now = relay.clock.now();
  const secret = given ?? generateSecret();
  const previousSecrets = previousAfterRotation(sub, secret, now, relay.secretRotationGraceMs);
  if (previousSecrets.length > MAX_PREVIOUS_SECRETS) {
    const oldest = previousSecrets.at(-1)!;
    throw new ApiError(
      409,
      'rotation_limit_reached',
      `${MAX_PREVIOUS_SECRETS} earlier secrets of subscription "${id}" still sign, the oldest until ${iso(oldest.expiresAt)}; ` +
        'rotate again after that (receivers on it would fail otherwise)',
    );
  }
  await relay.store.subscriptions.update(sub.id, { secret, previousSecrets }, new Date(now).toISOString());
  relay.deliveryChanged(); // the worker signs with the new secret from its next attempt on
  return { id: sub.id, secret, previousSecretExpiresAt: iso(previousSecrets[0]!.expiresAt)! };
}

/** A signed `ping` to this subscription only, whatever its event filters: checks URL, secret and headers. */
export async function sendTestPing(relay: RelayControl, id: string): Promise<{ deliveryId: string; eventId: string }> {
  const sub = await subscriptionGuards(relay).requireSubscription(id);
  if (!sub.enabled) throw new ApiError(409, 'subscription_disabled', `subscription "${sub.id}" is disabled; enable it first`);
  const now = relay.clock.now();
  const at = new Date(now).toISOString();
  const event: OutboxEvent = {
    id: newId('evt', now),
    type: 'ping',
    sourceId: '',
    leadId: '',
    createdAt: at,
    body: { type: 'ping', timestamp: at, data: { subscriptionId: sub.id, message: 'leadrelay test event' } },
  };
  const deliveryId = newId('dlv', now);
  await relay.store.deliveries.insertPing(sub.id, event, deliveryId, now);
  relay.deliveryChanged();
  return { deliveryId, eventId: event.id };
}

/** One more attempt now (a failed delivery gets a single attempt; a pending one just goes sooner). */
export async function retryDelivery(relay: RelayControl, id: string): Promise<{ subscriptionId: string }> {
  const { store, clock } = relay;
  const d = await store.deliveries.get(id);
  if (!d) throw notFound('delivery', id);
  const sub = await store.subscriptions.get(d.subscriptionId);
  if (!sub?.enabled) throw new ApiError(409, 'subscription_disabled', `subscription "${d.subscriptionId}" is disabled; enable it first`);
  if (!(await store.deliveries.retryNow(id, clock.now()))) {
    throw new ApiError(409, 'attempt_in_flight', `delivery "${id}" has an attempt in flight; try again when it finished`);
  }
  relay.deliveryChanged();
  return { subscriptionId: d.subscriptionId };
}

/** Largest bulk retry: as a replay, a bigger one is split by the operator (a narrower filter). */
export const MAX_BULK_RETRY = 100_000;
/** Re-queued per statement; the API, sync and delivery run between batches (as replay's batches). */
const BULK_RETRY_BATCH = 500;

/** How many failed deliveries a bulk retry of this filter would re-queue (up to MAX_BULK_RETRY + 1). */
export function countRetryable(relay: RelayControl, subscriptionId: string, filter: Omit<DeliveryFilter, 'status'>, failedBy: number): Promise<number> {
  return relay.store.deliveries.countFailed(subscriptionId, filter, failedBy, MAX_BULK_RETRY + 1);
}

/**
 * Re-queues every failed delivery of the subscription that matches the filter and had failed by
 * `failedBy` (when the operator was shown their count): each gets one more attempt, now.
 */
export async function retryFailed(relay: RelayControl, subscriptionId: string, filter: Omit<DeliveryFilter, 'status'>, failedBy: number): Promise<number> {
  const sub = await subscriptionGuards(relay).requireSubscription(subscriptionId);
  if (!sub.enabled) throw new ApiError(409, 'subscription_disabled', `subscription "${sub.id}" is disabled; enable it first`);
  if ((await countRetryable(relay, sub.id, filter, failedBy)) > MAX_BULK_RETRY) {
    throw new ApiError(400, 'range_too_large', `more than ${MAX_BULK_RETRY} failed deliveries match; narrow the filter`);
  }
  let total = 0;
  for (;;) {
    const n = await relay.store.deliveries.retryFailed(sub.id, filter, failedBy, relay.clock.now(), BULK_RETRY_BATCH);
    total += n;
    if (n > 0) relay.deliveryChanged();
    if (n < BULK_RETRY_BATCH) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
