// Sample webhook bodies for a REST hook trigger's field mapping (GET /v1/hooks/samples/:type).
// Nothing here is hand-written JSON of our own format: realistic MEGA and Apten records go through the
// same code a sync runs (the adapters' normalizers, buildPageWrite against a fake prior snapshot,
// decideMissing), so a sample has exactly the shape of a live webhook, whatever that becomes.
// MEGA comes first: its leads have owners, stages and custom fields, so a field mapper that reads the
// first sample offers owner.*; Apten adds its conversation events and vendor deletes.
import { createHash } from 'node:crypto';
import { EVENT_TYPES, type EventType, type JsonObject, type NormalizedLead, type VendorName, type WebhookBody } from '../model.js';
import type { StoredLead } from '../store/index.js';
import type { PulledActivity, PulledLead } from '../vendors/types.js';
import { normalizeAptenLead } from '../vendors/apten/adapter.js';
import { interactionActivities, normalizeMegaLead } from '../vendors/mega/adapter.js';
import { buildPageWrite } from '../sync/page.js';
import { decideMissing } from '../sync/absence.js';
import { contentHash } from '../util/canonical.js';
import { ulidFrom } from '../util/ids.js';
import { ACTIVITIES, CHANGED_ACTIVITIES, DELETED_LEADS, NEW_LEADS, UPDATED_LEADS } from '../vendors/apten/samples.js';
import { MEGA_NEW_LEADS, MEGA_UPDATED_LEADS } from '../vendors/mega/samples.js';

/** When the samples were "detected": fixed, so samples are stable (Zapier shows them to users). */
const DETECTED_AT = Date.parse('2026-05-14T15:30:02.120Z');

/** A sample: the webhook body plus `id`, the webhook-id its delivery would carry (Zapier needs one per result). */
export type HookSample = { id: string } & WebhookBody;

/** The source ids samples name: the configured source of each vendor, else the vendor's name. */
export interface SampleSources {
  apten?: string;
  mega?: string;
}

type Normalize = (raw: JsonObject, sourceId: string) => NormalizedLead;

/** One vendor's records through the sync's own diff. */
function vendorDiff(vendor: VendorName, sourceId: string, normalize: Normalize) {
  const stored = (raw: JsonObject): StoredLead => ({
    hash: contentHash(raw),
    deleted: false,
    deletedReason: null,
    lead: normalize(raw, sourceId),
    state: { eventsSince: null },
  });
  const pulled = (raw: JsonObject, activities?: PulledActivity[]): PulledLead => ({
    lead: normalize(raw, sourceId),
    vendorDeleted: raw.deleted === true,
    ...(activities ? { activities } : {}),
  });
  /** `before` is the snapshot, `after` what the vendor lists now. */
  const diff = (before: JsonObject[], after: PulledLead[], knownActivities = new Map<string, Map<string, string>>()): WebhookBody[] => {
    const known = new Map(before.map((raw) => [raw.id as string, stored(raw)]));
    const { write } = buildPageWrite({
      sourceId,
      vendor,
      page: { leads: after, cursor: null, skipped: 0 },
      known,
      knownActivities,
      emit: true,
      now: DETECTED_AT,
    });
    return write.outbox.map((e) => e.body);
  };
  /** A lead two complete scans no longer listed (reason: missing): the absence rule's own output. */
  const missing = (raw: JsonObject): WebhookBody[] => {
    const gone = stored(raw);
    return decideMissing({
      sourceId,
      vendor,
      missing: [{ ...gone, leadId: gone.lead.id, missingScans: 2 }],
      liveCount: 40,
      maxShare: 0.2,
      emit: true,
      now: DETECTED_AT,
    }).outbox.map((e) => e.body);
  };
  return { pulled, diff, missing };
}

const of = (type: EventType, bodies: WebhookBody[]) => bodies.filter((b) => b.type === type);

function megaSamples(sourceId: string): Record<EventType, WebhookBody[]> {
  const { pulled, diff, missing } = vendorDiff('mega', sourceId, normalizeMegaLead);
  const created = diff([], MEGA_NEW_LEADS.map((raw) => pulled(raw)));
  // The adapter's own rule turns the rising interaction_count into event.added.
  const changed = diff(
    MEGA_NEW_LEADS,
    MEGA_UPDATED_LEADS.map((raw, i) => pulled(raw, interactionActivities(raw, MEGA_NEW_LEADS[i]!))),
  );
  return {
    'lead.created': of('lead.created', created),
    'lead.updated': of('lead.updated', changed),
    'lead.deleted': missing(MEGA_UPDATED_LEADS[1]!),
    'event.added': of('event.added', changed).slice(0, 1),
    'event.updated': [],
  };
}

function aptenSamples(sourceId: string): Record<EventType, WebhookBody[]> {
  const { pulled, diff } = vendorDiff('apten', sourceId, normalizeAptenLead);
  const leadsOf = (list: Array<{ lead: JsonObject }>) => [...new Map(list.map((a) => [a.lead.id as string, a.lead])).values()];
  const activitiesFor = (list: Array<{ lead: JsonObject; activity: PulledActivity }>, id: unknown) =>
    list.filter((a) => a.lead.id === id).map((a) => a.activity);

  const created = diff([], NEW_LEADS.map((raw) => pulled(raw)));
  const updated = diff(NEW_LEADS, UPDATED_LEADS.map((raw) => pulled(raw)));
  const softDeleted = diff(UPDATED_LEADS, DELETED_LEADS.map((raw) => pulled(raw)));
  const added = diff(
    leadsOf(ACTIVITIES),
    leadsOf(ACTIVITIES).map((raw) => pulled(raw, activitiesFor(ACTIVITIES, raw.id))),
  );
  const seen = new Map<string, Map<string, string>>();
  for (const c of CHANGED_ACTIVITIES) {
    const id = c.lead.id as string;
    seen.set(id, (seen.get(id) ?? new Map()).set(c.before.key, contentHash(c.before.activity.raw)));
  }
  const changed = CHANGED_ACTIVITIES.map((c) => ({ lead: c.lead, activity: c.after }));
  const eventUpdated = diff(
    leadsOf(changed),
    leadsOf(changed).map((raw) => pulled(raw, activitiesFor(changed, raw.id))),
    seen,
  );
  return {
    'lead.created': of('lead.created', created),
    'lead.updated': of('lead.updated', updated),
    'lead.deleted': of('lead.deleted', softDeleted),
    'event.added': of('event.added', added),
    'event.updated': of('event.updated', eventUpdated),
  };
}

/**
 * A stable webhook-id per sample, shaped like a live one (evt_ + ULID at the detection time), so
 * samples stay the same from one start to the next.
 */
const sampleId = (body: WebhookBody, index: number) =>
  `evt_${ulidFrom(DETECTED_AT, createHash('sha256').update(`${index}:${JSON.stringify(body)}`).digest().subarray(0, 10))}`;

/** At most 3 per type: MEGA's first, then Apten's. */
function build(sources: SampleSources): Record<EventType, HookSample[]> {
  const mega = megaSamples(sources.mega ?? 'mega');
  const apten = aptenSamples(sources.apten ?? 'apten');
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const bodies = [...mega[type], ...apten[type]].slice(0, 3);
      return [type, bodies.map((body, i) => ({ id: sampleId(body, i), ...body }))];
    }),
  ) as Record<EventType, HookSample[]>;
}

const cache = new Map<string, Record<EventType, HookSample[]>>();

/**
 * Sample bodies for an event type ("lead.created") or pattern ("lead.*", "*"): all samples of an
 * exact type, the first of each matching type for a pattern. Undefined for anything else.
 */
export function hookSamples(typeOrPattern: string, sources: SampleSources = {}): HookSample[] | undefined {
  const key = JSON.stringify([sources.mega, sources.apten]);
  let all = cache.get(key);
  if (!all) cache.set(key, (all = build(sources)));
  if ((EVENT_TYPES as readonly string[]).includes(typeOrPattern)) return structuredClone(all[typeOrPattern as EventType]);
  const prefix = typeOrPattern === '*' ? '' : typeOrPattern.endsWith('.*') ? typeOrPattern.slice(0, -1) : null;
  if (prefix === null) return undefined;
  const matching = EVENT_TYPES.filter((t) => t.startsWith(prefix));
  if (matching.length === 0) return undefined;
  return structuredClone(matching.flatMap((t) => all[t].slice(0, 1)));
}
