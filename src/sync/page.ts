// Turns one pulled page plus the snapshot into the page write: snapshot rows and outbox events.
import type { LeadActivity, NormalizedLead, OutboxEvent, WebhookBody, VendorName, EventType } from '../model.js';
import type { PulledPage } from '../vendors/types.js';
import type { LeadEventWrite, LeadWrite, PageWrite, StoredLead } from '../store/index.js';
import { changedPaths, contentHash } from '../util/canonical.js';
import { newId } from '../util/ids.js';
import { classifyActivity, classifyLead } from './classify.js';

export interface PageSummary {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  activitiesAdded: number;
  activitiesUpdated: number;
  eventsEmitted: number;
}

export function emptySummary(): PageSummary {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, activitiesAdded: 0, activitiesUpdated: 0, eventsEmitted: 0 };
}

export interface BuildPageInput {
  sourceId: string;
  vendor: VendorName;
  page: PulledPage;
  known: Map<string, StoredLead>;
  knownActivities: Map<string, Map<string, string>>;
  /** False during a baseline first sync: the snapshot is recorded, nothing is announced. */
  emit: boolean;
  now: number;
}

export function buildPageWrite(input: BuildPageInput): { write: PageWrite; summary: PageSummary } {
  const { sourceId, vendor, page, known, knownActivities, emit, now } = input;
  const at = new Date(now).toISOString();
  const summary = emptySummary();
  const leads: LeadWrite[] = [];
  const leadEvents: LeadEventWrite[] = [];
  const outbox: OutboxEvent[] = [];

  const push = (type: EventType, leadId: string, data: WebhookBody['data']) => {
    if (!emit) return;
    const body: WebhookBody = { type, timestamp: at, data };
    outbox.push({ id: newId('evt', now), type, sourceId, leadId, createdAt: at, body });
  };

  // A page can list a lead twice (vendors whose order shifts while paging): the last copy wins.
  const seen = new Map<string, number>();
  page.leads.forEach((p, i) => seen.set(p.lead.id, i));

  page.leads.forEach((pulled, index) => {
    if (seen.get(pulled.lead.id) !== index) return;
    const { lead } = pulled;
    const prev = known.get(lead.id);
    // Vendor records are parsed JSON: the same JSON text as stored means the same content, so most
    // leads of a poll skip the key-sorted serialization and the hash (JSON.stringify is needed to
    // store the lead anyway, and is reused below).
    const rawJson = JSON.stringify(lead.raw);
    const hash = prev?.rawJson !== undefined && prev.rawJson === rawJson ? prev.hash : contentHash(lead.raw);
    const change = classifyLead(prev, { hash, deleted: pulled.vendorDeleted });
    // First seen already soft-deleted: never announced, so not recorded either. Were it kept, a vendor
    // restore would come out as lead.updated (and its events as event.added) about a lead receivers
    // never got a lead.created for; unrecorded, the restore is a lead.created, then its events.
    if (change === 'created_deleted') {
      summary.unchanged++;
      return;
    }
    // A deleted lead that stays deleted keeps why it was deleted.
    const deleted = pulled.vendorDeleted || (change === 'unchanged' && prev?.deleted === true);
    const base = { source: sourceId, vendor };
    switch (change) {
      case 'created':
      case 'reappeared':
        summary.created++;
        push('lead.created', lead.id, { ...base, lead });
        break;
      case 'updated':
      case 'undeleted':
        summary.updated++;
        push('lead.updated', lead.id, { ...base, lead, previous: prev!.lead, changes: changedPaths(prev!.lead, lead) });
        break;
      case 'deleted':
        summary.deleted++;
        // previous: the vendor may scrub PII on delete; receivers still need to know who it was.
        push('lead.deleted', lead.id, { ...base, lead, previous: prev!.lead, reason: 'vendor_deleted' });
        break;
      default:
        summary.unchanged++;
    }
    const stateChanged = pulled.state !== undefined && JSON.stringify(pulled.state) !== JSON.stringify(prev?.state ?? null);
    if (change !== 'unchanged' || prev?.hash !== hash || stateChanged) {
      leads.push({
        leadId: lead.id,
        hash,
        deleted,
        deletedReason: !deleted ? null : pulled.vendorDeleted ? 'vendor_deleted' : (prev?.deletedReason ?? 'missing'),
        lead,
        state: pulled.state !== undefined ? pulled.state : (prev?.state ?? null),
        rawJson,
      });
    }

    if (!pulled.activities) return;
    const seenActivities = knownActivities.get(lead.id);
    const ordered = [...pulled.activities].sort((a, b) => compareActivity(a.activity, b.activity));
    const keysThisPage = new Set<string>();
    for (const { key, activity } of ordered) {
      if (keysThisPage.has(key)) continue;
      keysThisPage.add(key);
      const activityHash = contentHash(activity.raw);
      const kind = classifyActivity(seenActivities?.get(key), activityHash);
      if (kind === 'unchanged') continue;
      leadEvents.push({ leadId: lead.id, key, hash: activityHash });
      if (kind === 'added') summary.activitiesAdded++;
      else summary.activitiesUpdated++;
      push(kind === 'added' ? 'event.added' : 'event.updated', lead.id, activityData(base, lead, activity));
    }
  });

  summary.eventsEmitted = outbox.length;
  return { write: { leads, leadEvents, outbox, cursor: page.cursor }, summary };
}

function activityData(base: { source: string; vendor: VendorName }, lead: NormalizedLead, activity: LeadActivity) {
  return { ...base, leadId: lead.id, event: activity, lead };
}

function compareActivity(a: LeadActivity, b: LeadActivity): number {
  const ka = a.updatedAt ?? a.occurredAt ?? '';
  const kb = b.updatedAt ?? b.occurredAt ?? '';
  return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
