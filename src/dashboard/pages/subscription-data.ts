// What the subscription page shows and takes: its delivery log's filter (from the URL's query, so a
// view can be bookmarked, and into the bulk retry's forms), the subscription's health from the same
// store ops as the overview, one page of its deliveries, and the settings form read into the body
// PATCH /v1/subscriptions/:id validates (the same schema, so the same rules and messages).
import type { RelayControl } from '../../api/control.js';
import { presentUrl } from '../../api/present.js';
import { EVENT_LOG_TYPES } from '../../api/routes/events.js';
import type { DeliveryFilter, DeliveryStatus, DeliveryView, Subscription } from '../../store/index.js';
import { DELIVERY_STATUSES } from '../../store/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Deliveries per page of the log. */
export const LOG_PAGE = 50;

export const STATUSES = DELIVERY_STATUSES;
export const LOG_EVENT_TYPES: readonly string[] = EVENT_LOG_TYPES;

/** The log's filter as the URL (and the forms) carry it: every value as typed. */
export interface LogQuery {
  status: string;
  type: string;
  lead: string;
  from: string;
  to: string;
  before: string;
}

export const LOG_QUERY_KEYS = ['status', 'type', 'lead', 'from', 'to'] as const;

export interface ParsedLog {
  query: LogQuery;
  filter: DeliveryFilter;
  before?: string;
  /** By field (status, type, lead, from, to): what is wrong with it; that field is then ignored. */
  errors: Record<string, string>;
}

// What <input type="datetime-local"> sends ("2026-05-14T15:30", read as UTC as the label says), or
// a full ISO 8601 date-time with its zone, or a date (midnight UTC).
const LOCAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;
const ZONED_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const TIME_HINT = 'must be a date and time in UTC, e.g. 2026-05-14T15:30';

/** A time from a form or the URL, in ms; a string saying what is wrong otherwise. */
export function parseTime(text: string): number | string {
  const s = text.trim();
  const ms = LOCAL_RE.test(s) ? Date.parse(`${s}Z`) : ZONED_RE.test(s) ? Date.parse(s) : NaN;
  return Number.isNaN(ms) ? TIME_HINT : ms;
}

/** As <input type="datetime-local"> shows a UTC time: "2026-05-14T15:30". */
export const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');

/** The log's filter from a query (the page's URL) or a form (the bulk retry's hidden fields). */
export function parseLog(input: Record<string, unknown>): ParsedLog {
  const query: LogQuery = {
    status: text(input.status, 20),
    type: text(input.type, 40),
    lead: text(input.lead, 200),
    from: text(input.from, 40),
    to: text(input.to, 40),
    before: text(input.before, 100),
  };
  const filter: DeliveryFilter = {};
  const errors: Record<string, string> = {};
  if (query.status) {
    if ((STATUSES as readonly string[]).includes(query.status)) filter.status = query.status as DeliveryStatus;
    else errors.status = `must be one of ${STATUSES.join(', ')}`;
  }
  if (query.type) {
    if (LOG_EVENT_TYPES.includes(query.type)) filter.eventType = query.type;
    else errors.type = `must be one of ${LOG_EVENT_TYPES.join(', ')}`;
  }
  if (query.lead) filter.leadId = query.lead;
  for (const [key, field] of [
    ['from', 'since'],
    ['to', 'until'],
  ] as const) {
    if (!query[key]) continue;
    const t = parseTime(query[key]);
    if (typeof t === 'string') errors[key] = t;
    else filter[field] = t;
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.until <= filter.since) {
    errors.to = 'must be after from';
    delete filter.until;
  }
  const before = /^dlv_[0-9A-Za-z]{1,40}$/.test(query.before) ? query.before : undefined;
  return { query, filter, before, errors };
}

/** The query string of a filter (without `before`), for links, redirects and the "older" link. */
export function logSearch(query: LogQuery, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const k of LOG_QUERY_KEYS) if (query[k]) p.set(k, query[k]);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface SubscriptionHealth {
  circuit: 'closed' | 'open' | 'half-open';
  hour: { attempts: number; succeeded: number };
  day: { attempts: number; succeeded: number };
  pending: number;
  oldestPendingAt: number | null;
}

/** The overview's figures for one subscription, from the same store ops (indexed, apart from the list). */
export async function loadHealth(relay: RelayControl, sub: Subscription, now: number): Promise<SubscriptionHealth> {
  const { store } = relay;
  const [stats, queue] = await Promise.all([
    store.deliveryStats.subscriptionHealth([sub.id], now - DAY, now - HOUR, now),
    store.deliveries.queueBySubscription(),
  ]);
  const st = stats.find((s) => s.subscriptionId === sub.id);
  const q = queue.find((x) => x.subscriptionId === sub.id);
  return {
    circuit: sub.circuitOpenUntil === null ? 'closed' : sub.circuitOpenUntil > now ? 'open' : 'half-open',
    hour: { attempts: st?.recentAttempts ?? 0, succeeded: st?.recentSucceeded ?? 0 },
    day: { attempts: st?.attempts ?? 0, succeeded: st?.succeeded ?? 0 },
    pending: q?.pending ?? 0,
    oldestPendingAt: q?.oldestCreatedAt ?? null,
  };
}

export interface LogPage {
  rows: DeliveryView[];
  /** The id to page on from ("older"), when there are more. */
  older: string | null;
}

export async function loadLog(relay: RelayControl, sub: Subscription, log: ParsedLog): Promise<LogPage> {
  const rows = await relay.store.deliveries.listForSubscription(sub.id, { ...log.filter, before: log.before, limit: LOG_PAGE + 1 });
  const page = rows.slice(0, LOG_PAGE);
  return { rows: page, older: rows.length > LOG_PAGE ? page.at(-1)!.id : null };
}

/** The settings form as typed, to show it again with its errors. */
export interface SettingsForm {
  url: string;
  events: string;
  sources: string[];
  description: string;
}

export function settingsOf(sub: Subscription): SettingsForm {
  return {
    url: presentUrl(sub.url),
    events: sub.events.join(', '),
    sources: sub.sources ?? [],
    description: sub.description ?? '',
  };
}

export function readSettingsForm(form: Record<string, unknown>, allSources: Record<string, unknown>): SettingsForm {
  const sources = allSources.sources;
  return {
    url: typeof form.url === 'string' ? form.url.trim() : '',
    events: typeof form.events === 'string' ? form.events : '',
    sources: (Array.isArray(sources) ? sources : sources === undefined ? [] : [sources]).filter((s): s is string => typeof s === 'string'),
    description: typeof form.description === 'string' ? form.description : '',
  };
}

/**
 * The PATCH body the form stands for: only what changed. The URL field shows credentials masked
 * (presentUrl): left as shown, the URL stays as stored. No source ticked means every source.
 */
export function settingsPatch(sub: Subscription, f: SettingsForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (f.url !== presentUrl(sub.url)) body.url = f.url;
  const events = f.events
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (events.join(',') !== sub.events.join(',')) body.events = events;
  const sources = f.sources.length === 0 ? null : [...new Set(f.sources)];
  if (JSON.stringify(sources) !== JSON.stringify(sub.sources)) body.sources = sources;
  const description = f.description.trim() === '' ? null : f.description.trim();
  if (description !== sub.description) body.description = description;
  return body;
}

/** An API error's details by form field: "events[1]" → events, "url" → url; the rest under "". */
export function fieldErrors(details: unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) {
    const { field, message } = d as { field?: unknown; message?: unknown };
    if (typeof field !== 'string' || typeof message !== 'string') continue;
    const key = /^[a-zA-Z]+/.exec(field)?.[0] ?? '';
    const known = ['url', 'events', 'sources', 'description'].includes(key) ? key : '';
    const text = field === key || !known ? message : `${field}: ${message}`;
    out[known] = out[known] ? `${out[known]}; ${text}` : text;
  }
  return out;
}
