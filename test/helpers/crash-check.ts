// Judges what a subscriber accepted against the vendor simulators' own records (their change logs and
// current leads): every change has its webhook, no webhook lacks a real change, ids are stable.
import { canonicalJson } from '../../src/util/canonical.js';
import type { AptenSimulator } from '../../src/vendors/apten/sim/index.js';
import type { NexusSimulator } from '../../src/vendors/nexus-erp/sim/index.js';
import type { Received } from './subscriber.js';

export interface CheckResult {
  /** A change the vendor made that no webhook reported. */
  lost: string[];
  /** A webhook no vendor change explains (including a delete of a lead the vendor still has). */
  invented: string[];
  /** The same change under two webhook-ids, or one webhook-id with two bodies. */
  unstable: string[];
  /** A lead's webhook accepted before that lead's lead.created (interface.md "Ordering"). */
  misordered: string[];
  webhooks: number;
  unique: number;
  duplicates: number;
  byType: Record<string, number>;
}

const leadIdOf = (w: Received): string => w.body.data.lead?.id ?? w.body.data.leadId;

/** What a webhook is about, independent of when it was sent: equal keys must share one webhook-id. */
function changeKey(w: Received): string {
  const d = w.body.data;
  const what = w.type.startsWith('event.') ? canonicalJson(d.event) : canonicalJson(d.lead.raw);
  return `${w.type} ${d.source} ${leadIdOf(w)} ${what}`;
}

export interface CheckedSource<S> {
  sourceId: string;
  sim: S;
  /** Canonical JSON of every lead as seeded: states that existed without a change-log entry of their own. */
  seeded: ReadonlySet<string>;
}

/** Several accounts of one vendor (several replicas' sources) are judged each against its own simulator. */
type OneOrMore<T> = T | readonly T[];

export function checkAccepted(
  accepted: readonly Received[],
  sims: { apten: OneOrMore<CheckedSource<AptenSimulator>>; nexus: OneOrMore<CheckedSource<NexusSimulator>> },
): CheckResult {
  const aptens = ([] as Array<CheckedSource<AptenSimulator>>).concat(sims.apten);
  const nexuses = ([] as Array<CheckedSource<NexusSimulator>>).concat(sims.nexus);
  const lost: string[] = [];
  const invented: string[] = [];
  const unstable: string[] = [];

  const bodyById = new Map<string, string>();
  const idByKey = new Map<string, string>();
  for (const w of accepted) {
    const body = bodyById.get(w.id);
    if (body === undefined) bodyById.set(w.id, w.raw);
    else if (body !== w.raw) unstable.push(`${w.id} was sent with two different bodies`);
    const key = changeKey(w);
    const id = idByKey.get(key);
    if (id === undefined) idByKey.set(key, w.id);
    else if (id !== w.id) unstable.push(`${w.type} for ${leadIdOf(w)} sent as both ${id} and ${w.id}`);
  }

  const bySource = (id: string) => accepted.filter((w) => w.body.data.source === id);
  const known = new Set([...aptens, ...nexuses].map((s) => s.sourceId));
  for (const w of accepted) if (!known.has(w.body.data.source)) invented.push(`${w.id}: unknown source ${w.body.data.source}`);

  for (const s of aptens) checkApten(bySource(s.sourceId), s, lost, invented);
  for (const s of nexuses) checkNexus(bySource(s.sourceId), s, lost, invented);

  // A lead's lead.created comes first, whatever the crashes: nothing about a lead before its announcement.
  const misordered: string[] = [];
  for (const [key, list] of perLead(accepted, true)) {
    const firstCreated = list.findIndex((w) => w.type === 'lead.created');
    if (firstCreated > 0) misordered.push(`${key}: ${list[0]!.type} ${list[0]!.id} accepted before lead.created`);
  }

  const byType: Record<string, number> = {};
  for (const w of accepted) byType[w.type] = (byType[w.type] ?? 0) + 1;
  const unique = bodyById.size;
  return { lost, invented, unstable, misordered, webhooks: accepted.length, unique, duplicates: accepted.length - unique, byType };
}

/** Per lead (per source and lead with `bySource`), its webhooks in the order the subscriber accepted them. */
function perLead(webhooks: readonly Received[], bySource = false): Map<string, Received[]> {
  const out = new Map<string, Received[]>();
  for (const w of webhooks) {
    const id = bySource ? `${w.body.data.source}/${leadIdOf(w)}` : leadIdOf(w);
    out.set(id, [...(out.get(id) ?? []), w]);
  }
  return out;
}

const lastLeadWebhook = (list: readonly Received[] | undefined) => list?.filter((w) => w.type.startsWith('lead.')).at(-1);

function checkApten(webhooks: readonly Received[], { sourceId, sim, seeded }: CheckedSource<AptenSimulator>, lost: string[], invented: string[]): void {
  const changes = new Map<string, Array<{ kind: string; at: string; eventId?: string }>>();
  for (const c of sim.changes) changes.set(c.leadId, [...(changes.get(c.leadId) ?? []), c]);
  const happened = (leadId: string, test: (c: { kind: string; at: string; eventId?: string }) => boolean) =>
    (changes.get(leadId) ?? []).some(test);

  // Nothing invented: each webhook matches a change in the vendor's log (a state that really existed).
  for (const w of webhooks) {
    const id = leadIdOf(w);
    const d = w.body.data;
    const label = `${sourceId} ${w.type} ${w.id} for ${id}`;
    if (!happened(id, (c) => c.kind === 'lead.created')) {
      invented.push(`${label}: the vendor never had this lead`);
      continue;
    }
    switch (w.type) {
      case 'lead.created':
      case 'lead.updated':
        if (!happened(id, (c) => c.at === d.lead.raw.updatedAt) && !seeded.has(canonicalJson(d.lead.raw))) {
          invented.push(`${label}: no change at ${d.lead.raw.updatedAt}`);
        }
        if (w.type === 'lead.created' && d.lead.raw.deleted) invented.push(`${label}: announced created while deleted`);
        break;
      case 'lead.deleted':
        if (d.reason !== 'vendor_deleted' || d.lead.raw.deleted !== true) invented.push(`${label}: reason ${d.reason}, raw.deleted ${d.lead.raw.deleted}`);
        else if (!happened(id, (c) => c.kind === 'lead.deleted' && c.at === d.lead.raw.deletedAt)) invented.push(`${label}: no delete at ${d.lead.raw.deletedAt}`);
        break;
      case 'event.added':
        if (!happened(id, (c) => c.kind === 'event.added' && c.eventId === d.event.id)) invented.push(`${label}: no event ${d.event.id}`);
        break;
      case 'event.updated':
        if (!happened(id, (c) => c.kind === 'event.updated' && c.eventId === d.event.id && c.at === d.event.updatedAt)) {
          invented.push(`${label}: no edit of ${d.event.id} at ${d.event.updatedAt}`);
        }
        break;
      default:
        invented.push(`${label}: unexpected type`);
    }
  }

  // Nothing lost: every live lead was announced and its last webhook carries the vendor's final record;
  // every event of an announced lead arrived, in its final version.
  const leads = perLead(webhooks);
  const createdIds = new Map<string, Set<string>>();
  for (const w of webhooks) if (w.type === 'lead.created') createdIds.set(leadIdOf(w), (createdIds.get(leadIdOf(w)) ?? new Set()).add(w.id));
  for (const lead of sim.leads()) {
    const ids = createdIds.get(lead.id);
    if (ids && ids.size > 1) invented.push(`${sourceId} lead ${lead.id} announced created ${ids.size} times`);
    if (!ids) {
      // Soft-deleted before any poll saw it alive: never announced, nothing to report.
      if (!lead.deleted) lost.push(`${sourceId} lead.created for ${lead.id}`);
      continue;
    }
    const last = lastLeadWebhook(leads.get(lead.id));
    if (!last || canonicalJson(last.body.data.lead.raw) !== canonicalJson(lead)) {
      lost.push(`${sourceId} final state of ${lead.id} (updatedAt ${lead.updatedAt}; last webhook ${last?.type} at ${last?.body.data.lead.raw.updatedAt})`);
    } else if (lead.deleted && last.type !== 'lead.deleted') {
      lost.push(`${sourceId} lead.deleted for ${lead.id}`);
    }
    const sent = new Set(
      (leads.get(lead.id) ?? []).filter((w) => w.type.startsWith('event.')).map((w) => `${w.type === 'event.added' ? '+' : ''}${w.body.data.event.type}:${w.body.data.event.id}@${w.body.data.event.updatedAt}`),
    );
    const added = new Set((leads.get(lead.id) ?? []).filter((w) => w.type === 'event.added').map((w) => `${w.body.data.event.type}:${w.body.data.event.id}`));
    for (const e of sim.events(lead.id)) {
      if (!added.has(`${e.type}:${e.id}`)) lost.push(`${sourceId} event.added ${e.type} ${e.id} on ${lead.id}`);
      if (!sent.has(`${e.type}:${e.id}@${e.updatedAt}`) && !sent.has(`+${e.type}:${e.id}@${e.updatedAt}`)) {
        lost.push(`${sourceId} final version of event ${e.id} on ${lead.id} (${e.updatedAt})`);
      }
    }
  }
}

function checkNexus(webhooks: readonly Received[], { sourceId, sim, seeded }: CheckedSource<NexusSimulator>, lost: string[], invented: string[]): void {
  const changes = new Map<string, Array<{ kind: string; at: string }>>();
  for (const c of sim.changes) changes.set(c.leadId, [...(changes.get(c.leadId) ?? []), c]);
  const happened = (leadId: string, test: (c: { kind: string; at: string }) => boolean) => (changes.get(leadId) ?? []).some(test);

  for (const w of webhooks) {
    const id = leadIdOf(w);
    const d = w.body.data;
    const label = `${sourceId} ${w.type} ${w.id} for ${id}`;
    if (!happened(id, (c) => c.kind === 'lead.created')) {
      invented.push(`${label}: the vendor never had this lead`);
      continue;
    }
    switch (w.type) {
      case 'lead.created':
      case 'lead.updated':
        if (!happened(id, (c) => c.kind !== 'lead.deleted' && c.at === d.lead.raw.updatedAt) && !seeded.has(canonicalJson(d.lead.raw))) {
          invented.push(`${label}: no change at ${d.lead.raw.updatedAt}`);
        }
        break;
      case 'lead.deleted':
        // Deletes by absence: only a lead the vendor really deleted may ever be reported gone.
        if (d.reason !== 'missing') invented.push(`${label}: reason ${d.reason}`);
        if (sim.getLead(id) !== undefined || !happened(id, (c) => c.kind === 'lead.deleted')) invented.push(`${label}: false delete, the vendor still has it`);
        break;
      default:
        invented.push(`${label}: Nexus ERP has no ${w.type}`);
    }
  }

  const leads = perLead(webhooks);
  for (const [id, list] of leads) {
    const created = new Set(list.filter((w) => w.type === 'lead.created').map((w) => w.id));
    // Nexus ids are never reused, so a second lead.created means the relay once thought it gone.
    if (created.size > 1) invented.push(`${sourceId} lead ${id} announced created ${created.size} times`);
  }
  for (const lead of sim.leads()) {
    const last = lastLeadWebhook(leads.get(lead.id));
    if (!last) lost.push(`${sourceId} lead.created for ${lead.id}`);
    else if (last.type === 'lead.deleted' || canonicalJson(last.body.data.lead.raw) !== canonicalJson(lead)) {
      lost.push(`${sourceId} final state of ${lead.id} (updatedAt ${lead.updatedAt}; last webhook ${last.type} at ${last.body.data.lead.raw.updatedAt})`);
    }
  }
  const deleted = new Set(sim.changes.filter((c) => c.kind === 'lead.deleted').map((c) => c.leadId));
  for (const id of deleted) {
    const list = leads.get(id);
    // Created and deleted between two scans: the relay never saw it, so it owes no webhook at all.
    if (!list) continue;
    if (lastLeadWebhook(list)?.type !== 'lead.deleted') lost.push(`${sourceId} lead.deleted for ${id}`);
  }
}
