// GET /api/v1/leads semantics: query validation, filters, the documented order, and offset pagination.
import { NEXUS_STATUSES, type NexusLead, type NexusListResponse, type NexusStatus } from './types.js';

/** A client mistake the API answers with 400 `{"error": ...}`. */
export class BadRequest extends Error {}

export interface ListQuery {
  page: number;
  pageSize: number;
  status?: NexusStatus;
  search?: string;
  /** An OrgMember id, or "unassigned" for leads with no owner. */
  assignedToId?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

// Digits only: "1.5", "1e1", " 2" and "+3" are what a schema validator with integer coercion rejects or we cannot trust.
function positiveInt(name: string, value: string | undefined, fallback: number, max?: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new BadRequest(`Invalid query parameter "${name}": must be an integer >= 1`);
  if (max !== undefined && n > max) throw new BadRequest(`Invalid query parameter "${name}": must be between 1 and ${max}`);
  return n;
}

export function parseListQuery(q: Record<string, string>): ListQuery {
  const query: ListQuery = {
    page: positiveInt('page', q.page, 1),
    pageSize: positiveInt('pageSize', q.pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
  // The docs do not say what an empty filter means; we treat it as absent, so a form posting blank fields still lists everything.
  if (q.status !== undefined && q.status !== '') {
    if (!(NEXUS_STATUSES as readonly string[]).includes(q.status)) {
      throw new BadRequest(`Invalid query parameter "status": expected one of ${NEXUS_STATUSES.join(', ')}`);
    }
    query.status = q.status as NexusStatus;
  }
  if (q.search !== undefined && q.search.trim() !== '') query.search = q.search.trim();
  if (q.assignedToId !== undefined && q.assignedToId !== '') query.assignedToId = q.assignedToId;
  return query;
}

export function matches(lead: NexusLead, q: ListQuery): boolean {
  if (q.status !== undefined && lead.status !== q.status) return false;
  if (q.assignedToId !== undefined) {
    const wanted = q.assignedToId === 'unassigned' ? null : q.assignedToId;
    if (lead.assignedToId !== wanted) return false;
  }
  if (q.search !== undefined) {
    const needle = q.search.toLowerCase();
    const haystack = [lead.name, lead.company ?? '', ...lead.emails, ...lead.phones];
    if (!haystack.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/**
 * The documented order: nextCallAt ascending, then createdAt descending. The docs say nothing about
 * leads without a next call; we put them last (PostgreSQL's default for ASC, and what a call list
 * shows), knowing a MongoDB backend would put them first. The final tie-break on id (ascending) is
 * ours too: without one, equal keys could swap between two requests even when nothing changed.
 */
export function compareLeads(a: NexusLead, b: NexusLead): number {
  if (a.nextCallAt !== b.nextCallAt) {
    if (a.nextCallAt === null) return 1;
    if (b.nextCallAt === null) return -1;
    const d = Date.parse(a.nextCallAt) - Date.parse(b.nextCallAt);
    if (d !== 0) return d;
  }
  const c = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (c !== 0) return c;
  // Code-unit order, not localeCompare: a sort key must not depend on the host's locale.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Every lead in compareLeads order; the keys are parsed once per lead, not once per comparison. */
export function sortLeads(leads: readonly NexusLead[]): NexusLead[] {
  const keyed = leads.map((lead) => ({
    lead,
    call: lead.nextCallAt === null ? null : Date.parse(lead.nextCallAt),
    created: Date.parse(lead.createdAt),
  }));
  keyed.sort((a, b) => {
    // The same rules as compareLeads, over the pre-parsed keys.
    if (a.lead.nextCallAt !== b.lead.nextCallAt) {
      if (a.call === null) return 1;
      if (b.call === null) return -1;
      const d = a.call - b.call;
      if (d !== 0) return d;
    }
    const c = b.created - a.created;
    if (c !== 0) return c;
    return a.lead.id < b.lead.id ? -1 : a.lead.id > b.lead.id ? 1 : 0;
  });
  return keyed.map((k) => k.lead);
}

/**
 * Offset pagination over the order as it is *now*: which is why the order shifting between requests
 * skips and repeats leads. `ordered` is every lead already in compareLeads order (see sortLeads).
 */
export function listPage(ordered: readonly NexusLead[], q: ListQuery): NexusListResponse {
  const unfiltered = q.status === undefined && q.search === undefined && q.assignedToId === undefined;
  const sorted = unfiltered ? ordered : ordered.filter((l) => matches(l, q));
  const total = sorted.length;
  const totalPages = Math.ceil(total / q.pageSize);
  const start = (q.page - 1) * q.pageSize;
  return {
    data: sorted.slice(start, start + q.pageSize),
    pagination: {
      page: q.page,
      pageSize: q.pageSize,
      total,
      totalPages,
      hasNextPage: q.page < totalPages,
      hasPrevPage: q.page > 1,
    },
  };
}
