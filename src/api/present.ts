// How subscriptions and deliveries look in API responses: secrets never, header values masked.
import { createHmac } from 'node:crypto';
import { maskUrlCredentials } from '../util/redact.js';
import { livePreviousSecrets, type DeliveryView, type Subscription } from '../store/index.js';

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A header value is a secret: show a fingerprint an operator can compare (the same value on two
 * subscriptions, a value that changed), never the value. An HMAC under this install's own key: a
 * plain hash would let whoever reads the API confirm a guessed value offline.
 */
function maskHeader(value: string, key: Buffer): string {
  return `[redacted hmac:${createHmac('sha256', key).update(value).digest('hex').slice(0, 8)}]`;
}

/** A subscription URL as the API and dashboard show it: credentials in it masked (util/redact.ts). */
export const presentUrl = maskUrlCredentials;

/**
 * `fingerprintKey`: the install's key for header fingerprints (store.installKeys); `filteredCount`:
 * events its filter kept back (store.subscriptions.filteredCounts).
 */
export function presentSubscription(s: Subscription, now: number, fingerprintKey: Buffer, filteredCount = 0) {
  // Until when an earlier secret still signs (the latest end of those in their grace period).
  const previousUntil = Math.max(0, ...livePreviousSecrets(s, now).map((p) => p.expiresAt));
  return {
    id: s.id,
    url: presentUrl(s.url),
    events: s.events,
    sources: s.sources,
    description: s.description,
    headers: Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, maskHeader(v, fingerprintKey)])),
    maxPerSecond: s.maxPerSecond,
    maxConcurrency: s.maxConcurrency,
    filter: s.filter,
    payload: s.payload,
    filteredCount,
    enabled: s.enabled,
    disabledReason: s.disabledReason,
    disabledAt: iso(s.disabledAt),
    health: {
      failingSince: iso(s.failingSince),
      consecutiveFailures: s.consecutiveFailures,
      circuit: s.circuitOpenUntil === null ? 'closed' : s.circuitOpenUntil > now ? 'open' : 'half-open',
      circuitOpenUntil: iso(s.circuitOpenUntil),
    },
    previousSecretExpiresAt: previousUntil ? iso(previousUntil) : null,
    origin: s.origin,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function presentDelivery(d: DeliveryView) {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    eventType: d.eventType,
    source: d.sourceId || null,
    leadId: d.leadId || null,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    completedAt: iso(d.completedAt),
    attemptLog: d.attemptLog.map((a) => ({
      id: a.id,
      attempt: a.attempt,
      trigger: a.trigger,
      at: iso(a.startedAt),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
      nextAttemptAt: iso(a.nextAttemptAt),
    })),
  };
}
