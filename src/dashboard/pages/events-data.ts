// What the event log page (GET /events) and the lead page read: the filters of the URL checked, one
// page of the event log through the store's EventOps (the same plans as GET /v1/events), the
// deliveries of that page counted by state, and each stored body read into what a row shows.
import type { RelayControl } from '../../api/control.js';
import { EVENT_LOG_TYPES } from '../../api/routes/events.js';
import type { EventDeliveryCount, EventLogFilter, StoredEvent } from '../../store/index.js';

/** Rows of one page of the event log. */
export const PAGE_SIZE = 50;

/** The filters of the events page, as they stand in its URL (every one optional). */
export interface EventFilters {
  source?: string;
  type?: string;
  lead?: string;
  /** As given (shown back in the form); `sinceIso` is what is searched. */
  since?: string;
  until?: string;
  sinceIso?: string;
  untilIso?: string;
  /** Cursors: the page older than seq `before`, or newer than seq `after`. */
  before?: number;
  after?: number;
}

export interface FilterProblem {
  field: string;
  message: string;
}

const LOCAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;
const ZONED_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * An instant from the form's datetime-local field (no zone: read as UTC, as the page says) or an
 * ISO 8601 time with a zone (a link made by hand); as toISOString() gives it, the form created_at
 * is stored in, or null.
 */
export function parseInstant(s: string): string | null {
  const text = LOCAL_RE.test(s) ? `${s}Z` : ZONED_RE.test(s) ? s : null;
  if (text === null) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  // Date.parse reads 2026-02-30 as March 2: the calendar day must exist as written.
  return iso.slice(0, 10) === text.slice(0, 10) || !LOCAL_RE.test(s) ? iso : null;
}

const SEQ_RE = /^[1-9]\d{0,14}$/;

/** The URL's filters, each checked; a bad one is named in `problems` and left out. */
export function readFilters(query: Record<string, string | undefined>, sourceIds: readonly string[]): { filters: EventFilters; problems: FilterProblem[] } {
  const filters: EventFilters = {};
  const problems: FilterProblem[] = [];
  const text = (k: string) => {
    const v = query[k]?.trim();
    return v ? v : undefined;
  };
  const source = text('source');
  if (source !== undefined) {
    if (sourceIds.includes(source)) filters.source = source;
    else problems.push({ field: 'source', message: `no source is called "${source}"` });
  }
  const type = text('type');
  if (type !== undefined) {
    if ((EVENT_LOG_TYPES as readonly string[]).includes(type)) filters.type = type;
    else problems.push({ field: 'type', message: `must be one of ${EVENT_LOG_TYPES.join(', ')}` });
  }
  const lead = text('lead');
  if (lead !== undefined) {
    if (lead.length <= 512) filters.lead = lead;
    else problems.push({ field: 'lead', message: 'is longer than any lead id (512 characters at most)' });
  }
  for (const k of ['since', 'until'] as const) {
    const v = text(k);
    if (v === undefined) continue;
    const iso = parseInstant(v);
    if (iso === null) problems.push({ field: k, message: 'must be a date and time (2026-05-14T15:30, UTC)' });
    else {
      // Shown back (and linked) as the form's UTC date-time field holds it, whatever was typed.
      filters[k] = iso.replace(/(\.000)?Z$/, '');
      filters[k === 'since' ? 'sinceIso' : 'untilIso'] = iso;
    }
  }
  if (filters.sinceIso && filters.untilIso && filters.untilIso <= filters.sinceIso) {
    problems.push({ field: 'until', message: 'must be later than "from"' });
    delete filters.until;
    delete filters.untilIso;
  }
  for (const k of ['before', 'after'] as const) {
    const v = text(k);
    if (v === undefined) continue;
    if (SEQ_RE.test(v)) filters[k] = Number(v);
    else problems.push({ field: k, message: 'is not a page of this log' });
  }
  if (filters.before !== undefined && filters.after !== undefined) delete filters.after;
  return { filters, problems };
}

/** The URL query of a view of the log (empty values left out), for links and the form. */
export function filterQuery(f: EventFilters, page: { before?: number; after?: number } = {}): string {
  const q = new URLSearchParams();
  if (f.source) q.set('source', f.source);
  if (f.type) q.set('type', f.type);
  if (f.lead) q.set('lead', f.lead);
  if (f.since) q.set('since', f.since);
  if (f.until) q.set('until', f.until);
  if (page.before !== undefined) q.set('before', String(page.before));
  if (page.after !== undefined) q.set('after', String(page.after));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** One event as a row shows it. */
export interface EventRowView {
  seq: number;
  id: string;
  type: string;
  sourceId: string | null;
  leadId: string | null;
  createdAt: string;
  /** The lead's name as the event carried it (vendor data: shown escaped, like everything). */
  leadName: string | null;
  /** What changed, in a few words: paths of a lead.updated, the interaction's type, a delete's reason. */
  summary: string;
  deliveries: { pending: number; succeeded: number; failed: number };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The parts of a stored webhook body the pages read; anything missing is null. */
export function readBody(e: StoredEvent): { data: Json; lead: Json | null; previous: Json | null; changes: string[] } {
  let body: unknown = null;
  try {
    body = JSON.parse(e.body);
  } catch {
    // shown as an event without details
  }
  const data = obj(obj(body)?.data) ?? {};
  const changes = Array.isArray(data.changes) ? data.changes.filter((c): c is string => typeof c === 'string') : [];
  return { data, lead: obj(data.lead), previous: obj(data.previous), changes };
}

function summaryOf(e: StoredEvent, b: ReturnType<typeof readBody>): string {
  switch (e.type) {
    case 'lead.updated':
      return b.changes.length ? `changed ${b.changes.join(', ')}` : 'changed';
    case 'lead.deleted':
      return str(b.data.reason) === 'missing' ? 'gone from the vendor’s listing' : 'deleted at the vendor';
    case 'event.added':
    case 'event.updated': {
      const ev = obj(b.data.event);
      return `${e.type === 'event.added' ? 'new' : 'changed'} ${str(ev?.type) ?? 'interaction'}`;
    }
    case 'lead.created':
      return [str(b.lead?.email), str(b.lead?.status)].filter(Boolean).join(' · ') || 'new lead';
    default:
      return e.type === 'ping' ? 'test ping' : '';
  }
}

export function toRowView(e: StoredEvent, counts: readonly EventDeliveryCount[]): EventRowView {
  const b = readBody(e);
  const deliveries = { pending: 0, succeeded: 0, failed: 0 };
  for (const c of counts) if (c.eventSeq === e.seq) deliveries[c.status] += c.count;
  return {
    seq: e.seq,
    id: e.id,
    type: e.type,
    sourceId: e.sourceId === '' ? null : e.sourceId,
    leadId: e.leadId === '' ? null : e.leadId,
    createdAt: e.createdAt,
    leadName: str(b.lead?.name),
    summary: summaryOf(e, b),
    deliveries,
  };
}

export interface EventPage {
  rows: EventRowView[];
  /** Cursors of the links, when there is a page that way. */
  newer: number | null;
  older: number | null;
}

/** One page of the log for these filters: PAGE_SIZE + 1 read to know whether the link goes on. */
export async function loadEventPage(relay: RelayControl, f: EventFilters): Promise<EventPage> {
  const filter: EventLogFilter = {
    sourceId: f.source,
    types: f.type ? [f.type] : undefined,
    leadId: f.lead,
    since: f.sinceIso,
    until: f.untilIso,
    beforeSeq: f.before,
    afterSeq: f.after,
    limit: PAGE_SIZE + 1,
  };
  const found = await relay.store.events.list(filter);
  let page: StoredEvent[];
  let newer: number | null;
  let older: number | null;
  if (f.after !== undefined) {
    // The oldest PAGE_SIZE + 1 after the cursor, newest first: the extra one is the newest.
    page = found.length > PAGE_SIZE ? found.slice(found.length - PAGE_SIZE) : found;
    newer = found.length > PAGE_SIZE ? page[0]!.seq : null;
    older = page.length ? page.at(-1)!.seq : null;
  } else {
    page = found.slice(0, PAGE_SIZE);
    newer = f.before !== undefined && page.length ? page[0]!.seq : null;
    older = found.length > PAGE_SIZE ? page.at(-1)!.seq : null;
  }
  const counts = await relay.store.events.deliveryCounts(page.map((e) => e.seq));
  return { rows: page.map((e) => toRowView(e, counts)), newer, older };
}
