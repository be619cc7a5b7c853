// MEGA: incremental updated_since + keyset cursor (sort_by=updated_at), custom fields included; no
// delete signal, so every `fullScanEvery` polls a full listing finds the absent ones; interactions
// are counters, so a rising interaction_count becomes one event.added (README.md beside this file).
import type { JsonObject, NormalizedLead } from '../../model.js';
import type { MegaSettings } from './index.js';
import type { AdapterOptions, PullContext, PulledActivity, PulledPage, VendorAdapter } from '../types.js';
import { FullScanSchedule, listPages, scanFields } from '../paging.js';
import { asObject, isoOrNull, maxIso, shiftIso, stringOrNull } from '../parse.js';

const PAGE_SIZE = 100;
const DEFAULT_FULL_SCAN_EVERY = 24;
const LEADS_PATH = '/api/agents/crm/leads';

interface MegaCursor {
  /** Largest updated_at committed (vendor clock). */
  updatedSince: string | null;
  /** Incremental polls since the last complete full scan; a full scan is due when it reaches fullScanEvery - 1. */
  pollsSinceFullScan: number;
}

export class MegaAdapter implements VendorAdapter {
  readonly vendor = 'mega' as const;

  constructor(private readonly opts: AdapterOptions<MegaSettings>) {}

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const where = `mega GET ${LEADS_PATH}`;
    const prev = ctx.cursor as MegaCursor | null;
    const schedule = new FullScanSchedule({
      every: this.opts.settings.fullScanEvery ?? DEFAULT_FULL_SCAN_EVERY,
      pollsSinceFull: prev?.pollsSinceFullScan,
      first: !prev || prev.updatedSince === null,
    });
    let committed = prev?.updatedSince ?? null;
    // A full scan lists everything; an incremental one re-queries a little before the max seen.
    const updatedSince = schedule.full || !committed ? undefined : shiftIso(committed, -this.opts.overlapMs);
    const pages = listPages({
      paging: {
        style: 'token',
        records: 'leads',
        pageSize: Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE),
        sizeParam: 'limit',
        tokenParam: 'cursor',
        next: 'next_cursor',
        // Both are documented as required. Read as "absent = no more pages" and "absent = 0", a page
        // missing them would end a full scan early and call it complete: every later lead looks deleted.
        nextRequired: true,
        total: 'total',
      },
      fetch: async (query) =>
        asObject(
          await ctx.http.getJson(
            LEADS_PATH,
            { updated_since: updatedSince, sort_by: 'updated_at', sort_dir: 'asc', include_custom_fields: 'true', ...query },
            ctx.signal,
          ),
          `${where}: response`,
        ),
      where,
    });
    for await (const page of pages) {
      const known = await ctx.known(page.items.map((r) => r.id));
      const leads = page.items.map(({ id, raw }) => {
        const before = known.get(id);
        const activities = before ? interactionActivities(raw, before.raw) : undefined;
        return { lead: normalizeMegaLead(raw, this.opts.sourceId), vendorDeleted: false, ...(activities ? { activities } : {}) };
      });
      committed = maxIso([committed, ...page.items.map((r) => isoOrNull(r.raw.updated_at))]);
      // A full scan counts as done only on its last page, so a crash mid-scan repeats it.
      const cursor: MegaCursor = { updatedSince: committed, pollsSinceFullScan: schedule.pollsAfter(page.last) };
      yield { leads, cursor, skipped: page.skipped, ...scanFields(page, schedule.full) };
    }
  }
}

/** MEGA exposes interactions only as a counter: one event per rise, keyed by the new count. */
export function interactionActivities(raw: JsonObject, before: JsonObject): PulledActivity[] | undefined {
  const count = raw.interaction_count;
  const previous = before.interaction_count;
  if (typeof count !== 'number' || typeof previous !== 'number' || count <= previous) return undefined;
  const leadId = raw.id as string;
  const lastInteractionAt = isoOrNull(raw.last_interaction_at);
  const data = { previousCount: previous, interactionCount: count, lastInteractionAt };
  return [
    {
      key: `interaction:${count}`,
      activity: { id: `${leadId}:interaction:${count}`, type: 'interaction', occurredAt: lastInteractionAt, updatedAt: null, data, raw: data },
    },
  ];
}

export function normalizeMegaLead(raw: JsonObject, sourceId: string): NormalizedLead {
  const email = stringOrNull(raw.contact_email);
  const phone = stringOrNull(raw.contact_phone);
  const owner = raw.owner && typeof raw.owner === 'object' && !Array.isArray(raw.owner) ? (raw.owner as JsonObject) : null;
  const custom = raw.custom_fields && typeof raw.custom_fields === 'object' && !Array.isArray(raw.custom_fields) ? (raw.custom_fields as JsonObject) : {};
  return {
    id: raw.id as string,
    source: sourceId,
    vendor: 'mega',
    name: stringOrNull(raw.contact_name),
    firstName: null,
    lastName: null,
    email,
    emails: email ? [email] : [],
    phone,
    phones: phone ? [phone] : [],
    company: stringOrNull(custom.company),
    status: stringOrNull(raw.status),
    tags: [],
    owner: owner ? { id: stringOrNull(owner.id), name: stringOrNull(owner.name) } : null,
    createdAt: isoOrNull(raw.created_at),
    updatedAt: isoOrNull(raw.updated_at),
    deleted: false,
    raw,
  };
}
