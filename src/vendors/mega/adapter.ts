// MEGA: incremental updated_since + keyset cursor (sort_by=updated_at), custom fields included; no
// delete signal, so every `fullScanEvery` polls a full listing finds the absent ones; interactions
// are counters, so a rising interaction_count becomes one event.added (README.md beside this file).
import type { JsonObject, NormalizedLead } from '../../model.js';
import type { MegaSettings } from './index.js';
import type { AdapterOptions, PullContext, PulledActivity, PulledPage, VendorAdapter } from '../types.js';
import { VendorError } from '../http.js';
import { asArray, asObject, isoOrNull, maxIso, shiftIso, splitRecords, stringOrNull } from '../parse.js';

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
    const every = this.opts.settings.fullScanEvery ?? DEFAULT_FULL_SCAN_EVERY;
    const fullScan = !prev || prev.updatedSince === null || prev.pollsSinceFullScan + 1 >= every;
    let committed = prev?.updatedSince ?? null;
    const seen = new Set<string>();
    let next: string | undefined;
    let total = 0;
    do {
      const body = asObject(
        await ctx.http.getJson(
          LEADS_PATH,
          {
            // A full scan lists everything; an incremental one re-queries a little before the max seen.
            updated_since: fullScan || !committed ? undefined : shiftIso(committed, -this.opts.overlapMs),
            sort_by: 'updated_at',
            sort_dir: 'asc',
            limit: Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE),
            include_custom_fields: 'true',
            cursor: next,
          },
          ctx.signal,
        ),
        `${where}: response`,
      );
      const { records, skipped } = splitRecords(asArray(body.leads, `${where}: response.leads`));
      // Both are documented as required. Read as "absent = no more pages" and "absent = 0", a page
      // missing them would end a full scan early and call it complete: every later lead looks deleted.
      const token = body.next_cursor;
      if (token !== null && typeof token !== 'string') {
        throw new VendorError('vendor_bad_response', `${where}: response.next_cursor must be a string or null`);
      }
      if (token && token === next) throw new VendorError('vendor_bad_response', `${where}: next_cursor did not advance`);
      if (typeof body.total !== 'number') throw new VendorError('vendor_bad_response', `${where}: response.total must be a number`);
      total = body.total;
      const known = await ctx.known(records.map((r) => r.id as string));
      const leads = records.map((raw) => {
        seen.add(raw.id as string);
        const before = known.get(raw.id as string);
        const activities = before ? interactionActivities(raw, before.raw) : undefined;
        return { lead: normalizeMegaLead(raw, this.opts.sourceId), vendorDeleted: false, ...(activities ? { activities } : {}) };
      });
      committed = maxIso([committed, ...records.map((r) => isoOrNull(r.updated_at))]);
      const last = !token;
      const cursor: MegaCursor = {
        updatedSince: committed,
        // A full scan counts as done only on its last page, so a crash mid-scan repeats it.
        pollsSinceFullScan: fullScan ? (last ? 0 : (prev?.pollsSinceFullScan ?? 0)) : (prev?.pollsSinceFullScan ?? 0) + (last ? 1 : 0),
      };
      yield {
        leads,
        cursor,
        skipped,
        ...(fullScan ? { fullScan: true } : {}),
        ...(fullScan && last
          ? {
              scanEnd:
                seen.size + skipped >= total
                  ? { complete: true }
                  : { complete: false, reason: `listed ${seen.size} distinct leads of ${total}` },
            }
          : {}),
      };
      next = token ?? undefined;
    } while (next);
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
