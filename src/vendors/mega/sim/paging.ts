// Keyset paging for MEGA's list endpoint: sort order, opaque cursors bound to their sort, and page cutting.
import { parseDateTime } from '../../apten/sim/paging.js';
import { badParam } from './errors.js';
import { MEGA_SORT_FIELDS, type MegaLead, type MegaSort } from './types.js';

/** The position a cursor resumes after: the last lead's sort value (null sorts like SQL NULL) and id. */
export interface CursorKey {
  value: string | null;
  id: string;
}

interface CursorPayload {
  v: 1;
  sort_by: string;
  sort_dir: string;
  after: [string | null, string];
}

// base64url keeps the cursor free of '+', '/' and '=', so it survives a query string without encoding.
export function encodeCursor(sort: MegaSort, key: CursorKey): string {
  const payload: CursorPayload = { v: 1, sort_by: sort.by, sort_dir: sort.dir, after: [key.value, key.id] };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/**
 * The cursor's position, or a 400: malformed, or minted under another sort_by/sort_dir (a keyset
 * position only means something in the order that produced it, so the vendor refuses to guess).
 */
export function decodeCursor(raw: string, sort: MegaSort): CursorKey {
  const malformed = badParam('invalid_cursor', 'cursor is malformed; pass next_cursor from a previous response unchanged');
  // Buffer's decoder skips characters it does not know, so check the alphabet first.
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw malformed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw malformed;
  }
  const p = parsed as Partial<CursorPayload> | null;
  if (typeof p !== 'object' || p === null || p.v !== 1 || !Array.isArray(p.after) || p.after.length !== 2) throw malformed;
  const [value, id] = p.after;
  if (typeof id !== 'string' || id === '') throw malformed;
  if (value !== null && (typeof value !== 'string' || parseDateTime(value) === undefined)) throw malformed;
  if (!(MEGA_SORT_FIELDS as readonly unknown[]).includes(p.sort_by) || (p.sort_dir !== 'asc' && p.sort_dir !== 'desc')) throw malformed;
  if (p.sort_by !== sort.by || p.sort_dir !== sort.dir) {
    throw badParam(
      'cursor_sort_mismatch',
      `cursor was issued for sort_by=${p.sort_by}&sort_dir=${p.sort_dir}; repeat that sort or start again without a cursor`,
    );
  }
  return { value, id };
}

function keyOf(lead: MegaLead, sort: MegaSort): CursorKey {
  return { value: lead[sort.by], id: lead.id };
}

/**
 * Total order over (value, id) in the requested direction. Nulls (leads never interacted with) go
 * last ascending and first descending, as PostgreSQL orders them by default.
 */
export function compareKeys(a: CursorKey, b: CursorKey, dir: MegaSort['dir']): number {
  const asc = ascending(a, b);
  return dir === 'asc' ? asc : -asc;
}

function ascending(a: CursorKey, b: CursorKey): number {
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else {
    const d = Date.parse(a.value) - Date.parse(b.value);
    if (d !== 0) return d;
  }
  // Code-unit order, not localeCompare: a sort key must not depend on the host's locale.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface MegaPage {
  items: MegaLead[];
  nextCursor: string | null;
}

/**
 * One page of `leads` in `sort` order: strictly after `after` when given (offset is then ignored),
 * else from `offset`. The cursor is null exactly when nothing follows, so clients never fetch a
 * trailing empty page.
 */
export function keysetPage(
  leads: readonly MegaLead[],
  sort: MegaSort,
  after: CursorKey | undefined,
  offset: number,
  limit: number,
): MegaPage {
  const sorted = [...leads].sort((a, b) => compareKeys(keyOf(a, sort), keyOf(b, sort), sort.dir));
  const rest = after ? sorted.filter((l) => compareKeys(keyOf(l, sort), after, sort.dir) > 0) : sorted.slice(offset);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rest.length > limit && last ? encodeCursor(sort, keyOf(last, sort)) : null };
}
