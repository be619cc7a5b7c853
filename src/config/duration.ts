// Durations as written in the config file ("250ms", "30s", "5m", "2h", "1d") <-> milliseconds.

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

type Unit = keyof typeof UNIT_MS;

// One non-negative number (integer or decimal) immediately followed by one unit. Compound forms
// ("1h30m") and bare numbers are rejected: a bare number is ambiguous (seconds? milliseconds?).
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export const DURATION_HINT = 'expected a number followed by ms, s, m, h or d, like 250ms, 30s, 5m, 2h or 1d';

/** Parses "30s" to 30000. Throws an Error naming the input when it is not a duration. */
export function parseDuration(s: string): number {
  if (typeof s !== 'string') {
    throw new Error('expected a duration string like 30s');
  }
  const m = DURATION_RE.exec(s.trim());
  if (!m) {
    throw new Error(`invalid duration ${JSON.stringify(s)}: ${DURATION_HINT}`);
  }
  const amount = Number(m[1]);
  const unit = m[2] as Unit;
  // Rounded so that "1.5ms" or "0.1s" still gives whole milliseconds, which timers and SQL want.
  const ms = Math.round(amount * UNIT_MS[unit]);
  if (!Number.isSafeInteger(ms)) {
    throw new Error(`invalid duration ${JSON.stringify(s)}: too large`);
  }
  return ms;
}

const UNITS_DESC: readonly Unit[] = ['d', 'h', 'm', 's'];

/**
 * Formats milliseconds with the largest unit that represents it exactly, so the result always
 * parses back to the same value: 86400000 -> "1d", 90000 -> "90s", 1500 -> "1500ms".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const n = Math.round(ms);
  if (n < 0) return `-${formatDuration(-n)}`;
  if (n === 0) return '0ms';
  for (const unit of UNITS_DESC) {
    const size = UNIT_MS[unit];
    if (n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}ms`;
}
