// Call-slot arithmetic: sales reps book calls on the quarter hour in business hours, so nextCallAt values tie often.
import { int, pick, type Random } from '../../sim-common/random.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const QUARTER_MS = 15 * MINUTE_MS;

export function floorQuarter(ms: number): number {
  return Math.floor(ms / QUARTER_MS) * QUARTER_MS;
}

export function ceilQuarter(ms: number): number {
  return Math.ceil(ms / QUARTER_MS) * QUARTER_MS;
}

/**
 * A slot between 13:00 and 21:45 UTC (roughly 9am-6pm US Eastern) on a day `minDays..maxDays` from
 * fromMs's day. Negative days give overdue calls, which real call lists are full of.
 */
export function callSlot(rnd: Random, fromMs: number, minDays: number, maxDays: number): number {
  const day = Math.floor(fromMs / DAY_MS) * DAY_MS + int(rnd, minDays, maxDays) * DAY_MS;
  return day + int(rnd, 13, 21) * HOUR_MS + pick(rnd, [0, 15, 30, 45]) * MINUTE_MS;
}

/** A slot strictly after `afterMs`, within about `maxDays` days: the follow-up a rep books after a call. */
export function futureSlot(rnd: Random, afterMs: number, maxDays = 14): number {
  let slot = callSlot(rnd, afterMs, 0, maxDays);
  while (slot <= afterMs) slot += DAY_MS;
  return slot;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
