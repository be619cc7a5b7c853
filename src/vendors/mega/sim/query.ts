// Validation of the list endpoint's query parameters and the filters they select, as the docs define them.
import { parseDateTime } from '../../apten/sim/paging.js';
import { badParam } from './errors.js';
import { decodeCursor, type CursorKey } from './paging.js';
import { MEGA_SORT_FIELDS, type MegaLead, type MegaSort, type MegaSortBy } from './types.js';

export interface ListQuery {
  status?: string;
  stageId?: string;
  search?: string;
  createdSinceMs?: number;
  updatedSinceMs?: number;
  sort: MegaSort;
  leadLine?: 'buyer' | 'seller';
  includeCustomFields: boolean;
  cursor?: CursorKey;
  limit: number;
  offset: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Parses the query or throws a 400 invalid_request_error naming the offending parameter. */
export function parseListQuery(q: Record<string, string>): ListQuery {
  const sortBy = q.sort_by ?? 'updated_at';
  if (!(MEGA_SORT_FIELDS as readonly string[]).includes(sortBy)) {
    throw badParam('invalid_parameter', `sort_by must be one of ${MEGA_SORT_FIELDS.join(', ')}`);
  }
  const sortDir = q.sort_dir ?? 'asc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw badParam('invalid_parameter', 'sort_dir must be asc or desc');
  const sort: MegaSort = { by: sortBy as MegaSortBy, dir: sortDir };

  const leadLine = q.lead_line;
  if (leadLine !== undefined && leadLine !== 'buyer' && leadLine !== 'seller') {
    throw badParam('invalid_parameter', 'lead_line must be buyer or seller');
  }
  if (q.stageId !== undefined && !isUuid(q.stageId)) throw badParam('invalid_parameter', 'stageId must be a UUID');

  return {
    // An empty text filter selects nothing in particular, so it is treated as absent.
    ...(q.status ? { status: q.status } : {}),
    ...(q.stageId !== undefined ? { stageId: q.stageId.toLowerCase() } : {}),
    ...(q.search?.trim() ? { search: q.search.trim() } : {}),
    ...optionalDate('created_since', q.created_since, 'createdSinceMs'),
    ...optionalDate('updated_since', q.updated_since, 'updatedSinceMs'),
    sort,
    ...(leadLine !== undefined ? { leadLine } : {}),
    includeCustomFields: parseBoolean('include_custom_fields', q.include_custom_fields),
    ...(q.cursor !== undefined ? { cursor: decodeCursor(q.cursor, sort) } : {}),
    limit: parseInteger('limit', q.limit, 20, 1, 100),
    offset: parseInteger('offset', q.offset, 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function optionalDate<K extends string>(field: string, value: string | undefined, key: K): Partial<Record<K, number>> {
  if (value === undefined) return {};
  const ms = parseDateTime(value);
  if (ms === undefined) throw badParam('invalid_parameter', `${field} must be an ISO-8601 date-time, e.g. 2024-01-31T12:00:00Z`);
  return { [key]: ms } as Partial<Record<K, number>>;
}

function parseInteger(field: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badParam('invalid_parameter', max === Number.MAX_SAFE_INTEGER ? `${field} must be an integer >= ${min}` : `${field} must be an integer between ${min} and ${max}`);
  }
  return n;
}

function parseBoolean(field: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badParam('invalid_parameter', `${field} must be true or false`);
}

/** Whether a lead passes every filter of the query (cursor and offset are paging, not filters). */
export function matchesQuery(lead: MegaLead, q: ListQuery): boolean {
  if (q.status !== undefined && lead.status !== q.status) return false;
  if (q.stageId !== undefined && lead.current_stage.id.toLowerCase() !== q.stageId) return false;
  // Both filters are inclusive (>=), per the docs' "at/after".
  if (q.createdSinceMs !== undefined && Date.parse(lead.created_at) < q.createdSinceMs) return false;
  if (q.updatedSinceMs !== undefined && Date.parse(lead.updated_at) < q.updatedSinceMs) return false;
  if (q.leadLine !== undefined && lead.custom_fields.lead_line !== q.leadLine) return false;
  if (q.search !== undefined && !matchesSearch(lead, q.search)) return false;
  return true;
}

/**
 * Case-insensitive substring match on name and email; phones compare by digits only, so
 * "(212) 555-0123", "212.555.0123" and "+1 212 555 0123" all find "+12125550123".
 */
export function matchesSearch(lead: Pick<MegaLead, 'contact_name' | 'contact_email' | 'contact_phone'>, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (needle === '') return true;
  if ((lead.contact_name ?? '').toLowerCase().includes(needle)) return true;
  if ((lead.contact_email ?? '').toLowerCase().includes(needle)) return true;
  // Only a query that looks like a phone number compares digits; otherwise "Unit 4" would match every phone with a 4.
  if (!/^[\d\s().+-]+$/.test(needle)) return false;
  const digits = nationalDigits(needle);
  return digits.length >= 3 && nationalDigits(lead.contact_phone ?? '').includes(digits);
}

// A leading US country code is optional in how people write numbers, so it never decides a match.
function nationalDigits(value: string): string {
  const d = value.replace(/\D/g, '');
  return d.length === 11 && d.startsWith('1') ? d.slice(1) : d;
}
