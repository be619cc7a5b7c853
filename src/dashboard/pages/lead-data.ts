// What the lead page (GET /leads/:source/:leadId) reads: one lead's events in one source, newest
// first and paged (the event log's lead plan: one index range), each turned into its before/after
// diff, and which other sources have events under the same lead id (one probe per source).
import type { RelayControl } from '../../api/control.js';
import type { StoredEvent } from '../../store/index.js';
import { readBody, toRowView, type EventRowView } from './events-data.js';

/** Events of one lead per page of its timeline. */
export const TIMELINE_SIZE = 100;

/** One changed field: its dotted path into the lead, and its value before and after, as text. */
export interface FieldChange {
  path: string;
  before: string;
  after: string;
}

export interface TimelineEntry extends EventRowView {
  /** lead.updated: each changed path; lead.created: the lead's main fields (before: empty). */
  changes: FieldChange[];
  /** event.added / event.updated: the interaction (type, when, its data as JSON). */
  interaction: { type: string | null; occurredAt: string | null; data: string } | null;
}

export interface LeadTimeline {
  sourceId: string;
  leadId: string;
  /** The lead as its newest event of this page carried it (name, email, status ...), or null. */
  latest: Record<string, unknown> | null;
  entries: TimelineEntry[];
  older: number | null;
  /** Other configured sources with at least one event under this lead id. */
  otherSources: string[];
}

/** A dotted path (raw.isHot, emails.0) into a value; undefined where it leads nowhere. */
export function valueAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A value as one line of text: strings as they are, absent as "(absent)", the rest as JSON. */
export function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}

/** What a lead.created shows of the new lead. */
const CREATED_FIELDS = ['name', 'email', 'phone', 'company', 'status', 'tags', 'owner.name'];

export function toTimelineEntry(e: StoredEvent, row: EventRowView): TimelineEntry {
  const b = readBody(e);
  let changes: FieldChange[] = [];
  if (e.type === 'lead.updated') {
    changes = b.changes.map((path) => ({ path, before: show(valueAt(b.previous, path)), after: show(valueAt(b.lead, path)) }));
  } else if (e.type === 'lead.created') {
    changes = CREATED_FIELDS.flatMap((path) => {
      const v = valueAt(b.lead, path);
      return v === null || v === undefined || (Array.isArray(v) && v.length === 0) ? [] : [{ path, before: '', after: show(v) }];
    });
  }
  let interaction: TimelineEntry['interaction'] = null;
  if (e.type === 'event.added' || e.type === 'event.updated') {
    const ev = (b.data.event ?? {}) as Record<string, unknown>;
    const data = JSON.stringify(ev.data ?? null, null, 2);
    interaction = {
      type: typeof ev.type === 'string' ? ev.type : null,
      occurredAt: typeof ev.occurredAt === 'string' ? ev.occurredAt : null,
      data: data.length > 4000 ? `${data.slice(0, 4000)}\n…` : data,
    };
  }
  return { ...row, changes, interaction };
}

export async function loadLeadTimeline(relay: RelayControl, sourceId: string, leadId: string, beforeSeq: number | undefined): Promise<LeadTimeline> {
  const { events } = relay.store;
  const [found, ...others] = await Promise.all([
    events.list({ sourceId, leadId, beforeSeq, limit: TIMELINE_SIZE + 1 }),
    ...relay.sources.filter((s) => s.id !== sourceId).map(async (s) => ((await events.list({ sourceId: s.id, leadId, limit: 1 })).length ? s.id : null)),
  ]);
  const page = (found as StoredEvent[]).slice(0, TIMELINE_SIZE);
  const counts = await events.deliveryCounts(page.map((e) => e.seq));
  const newest = page[0];
  return {
    sourceId,
    leadId,
    latest: newest ? readBody(newest).lead : null,
    entries: page.map((e) => toTimelineEntry(e, toRowView(e, counts))),
    older: (found as StoredEvent[]).length > TIMELINE_SIZE ? page.at(-1)!.seq : null,
    otherSources: others.filter((s): s is string => typeof s === 'string'),
  };
}
