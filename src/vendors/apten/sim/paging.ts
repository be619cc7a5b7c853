// Query validation and keyset (searchAfter) pagination shared by both Apten list endpoints.

/** A client mistake the API answers with 400 `{message}`. */
export class BadRequest extends Error {}

// OpenAPI `format: date-time` is RFC 3339: a full date and time with an offset; fractions optional.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or undefined when the string is not an RFC 3339 date-time. */
export function parseDateTime(value: string): number | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Date.parse happily rolls 2026-02-30 over into March; a real validator would not.
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export function requireDateTime(field: string, value: string): number {
  const ms = parseDateTime(value);
  if (ms === undefined) throw new BadRequest(`Invalid format for field: ${field}`);
  return ms;
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  if (!/^\d+$/.test(value)) throw new BadRequest('Invalid format for field: limit');
  const n = Number(value);
  if (n < 1 || n > 1000) throw new BadRequest('limit must be between 1 and 1000');
  return n;
}

export interface SearchAfter {
  ms: number;
  id: string;
}

/** Same layout as the docs' example token: base64 of `{"searchAfter":["<ISO timestamp>","<id>"]}`. */
export function encodeNextToken(timestamp: string, id: string): string {
  return Buffer.from(JSON.stringify({ searchAfter: [timestamp, id] })).toString('base64');
}

export function decodeNextToken(value: string): SearchAfter {
  const bad = new BadRequest('Invalid format for field: nextToken');
  // Buffer's base64 decoder skips characters it does not know; check first so a '+' that a client
  // forgot to URL-encode (and so arrives as a space) is rejected instead of silently corrupted.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw bad;
  }
  const sa = (parsed as { searchAfter?: unknown } | null)?.searchAfter;
  if (!Array.isArray(sa) || sa.length !== 2 || typeof sa[0] !== 'string' || typeof sa[1] !== 'string') throw bad;
  const ms = parseDateTime(sa[0]);
  if (ms === undefined) throw bad;
  return { ms, id: sa[1] };
}

export interface KeysetPage<T> {
  items: T[];
  nextToken: string | null;
}

/**
 * One page of `items` ordered by (timestamp, id) ascending, strictly after `after`.
 * The token is null exactly when nothing follows, so callers never fetch a trailing empty page.
 */
export function keysetPage<T extends { id: string }>(
  items: readonly T[],
  timestampOf: (item: T) => string,
  after: SearchAfter | undefined,
  limit: number,
): KeysetPage<T> {
  const keyed = items.map((item) => ({ item, ms: Date.parse(timestampOf(item)) }));
  keyed.sort((a, b) => a.ms - b.ms || cmp(a.item.id, b.item.id));
  const rest = after ? keyed.filter((k) => k.ms > after.ms || (k.ms === after.ms && cmp(k.item.id, after.id) > 0)) : keyed;
  const page = rest.slice(0, limit).map((k) => k.item);
  const last = page[page.length - 1];
  return {
    items: page,
    nextToken: rest.length > limit && last ? encodeNextToken(timestampOf(last), last.id) : null,
  };
}

/** An item with its sort timestamp parsed once (Date.parse of the field the page is ordered by). */
export interface Keyed<T> {
  item: T;
  ms: number;
}

/** Items in keysetPage's order, (timestamp, id) ascending; items whose timestamp does not parse are left out. */
export function sortKeyed<T extends { id: string }>(items: readonly T[], timestampOf: (item: T) => string): Keyed<T>[] {
  const keyed = items.map((item) => ({ item, ms: Date.parse(timestampOf(item)) })).filter((k) => !Number.isNaN(k.ms));
  return keyed.sort((a, b) => a.ms - b.ms || cmp(a.item.id, b.item.id));
}

/**
 * The page keysetPage gives for the items with timestamp >= fromMs that pass `keep`, read from an
 * index already in that order (sortKeyed): two binary searches find where the page starts, so a
 * request costs the page, not the account (a 100k-lead Apten scan re-sorted everything per page).
 */
export function keysetPageSorted<T extends { id: string }>(
  sorted: readonly Keyed<T>[],
  timestampOf: (item: T) => string,
  fromMs: number,
  keep: (item: T) => boolean,
  after: SearchAfter | undefined,
  limit: number,
): KeysetPage<T> {
  let start = lowerBound(sorted, (k) => k.ms >= fromMs);
  if (after) start = Math.max(start, lowerBound(sorted, (k) => k.ms > after.ms || (k.ms === after.ms && cmp(k.item.id, after.id) > 0)));
  const page: T[] = [];
  let more = false;
  for (let i = start; i < sorted.length; i++) {
    const { item } = sorted[i]!;
    if (!keep(item)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(item);
  }
  const last = page[page.length - 1];
  return { items: page, nextToken: more && last ? encodeNextToken(timestampOf(last), last.id) : null };
}

/** First index whose item satisfies `pred`, for a predicate false then true along the array. */
function lowerBound<T>(items: readonly T[], pred: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(items[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Code-unit order, not localeCompare: a sort key must not depend on the host's locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
