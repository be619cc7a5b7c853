// Retry timing as a pure function: the configured schedule, ±20% jitter, and the receiver's Retry-After.
export interface RetryInput {
  /** Attempts made so far, including the one that just failed (1-based). */
  attempts: number;
  schedule: readonly number[];
  /** The receiver's Retry-After (429/503), in ms. */
  retryAfterMs?: number | null;
  random?: () => number;
}

/** Longest Retry-After we honour: a receiver cannot park a delivery for longer than a day. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
const JITTER = 0.2;

/** Delay before the next attempt, or null when the schedule is exhausted and the delivery fails. */
export function nextRetryDelay({ attempts, schedule, retryAfterMs, random = Math.random }: RetryInput): number | null {
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  if (retryAfterMs === null || retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
