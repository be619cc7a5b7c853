// PenguinMails: limit/offset full scans of list rows (no updated_at: the hash of the row is the
// truth), details (attributes, activity) read for new and changed rows plus a slow round-robin of
// the rest within the request budget; activity entries have no id, so they get a stable synthetic
// key (vendors.md "PenguinMails").
import type { Json, JsonObject, NormalizedLead } from '../model.js';
import type { AdapterOptions, PullContext, PulledActivity, PulledLead, PulledPage, VendorAdapter } from './types.js';
import { VendorError } from './http.js';
import { contentHash } from '../util/canonical.js';
import { asArray, asObject, isoOrNull, mapLimit, splitRecords, stringOrNull } from './parse.js';

const PAGE_SIZE = 100;
const DEFAULT_REFRESH_PER_POLL = 10;
const DETAIL_CONCURRENCY = 2;
const LEADS_PATH = '/api/v1/tenant/leads';

interface PenguinCursor {
  /** Round-robin position: the last lead id whose details were refreshed without a row change. */
  refreshAfter: string | null;
}

export class PenguinMailsAdapter implements VendorAdapter {
  readonly vendor = 'penguinmails' as const;

  constructor(private readonly opts: AdapterOptions) {}

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const workspace = this.opts.source.workspace!;
    const where = `penguinmails GET ${LEADS_PATH}`;
    const prevCursor = (ctx.cursor as PenguinCursor | null) ?? { refreshAfter: null };
    const refresh = this.pickRefreshes(ctx, prevCursor);
    const cursor: PenguinCursor = { refreshAfter: refresh.at(-1) ?? prevCursor.refreshAfter };
    const refreshSet = new Set(refresh);
    const pageSize = Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE);

    for (let offset = 0; ; ) {
      const body = asObject(
        await ctx.http.getJson(LEADS_PATH, { workspace, limit: pageSize, offset }, ctx.signal),
        `${where}: response`,
      );
      if (body.success === false) throw new VendorError('vendor_bad_response', `${where}: success is false`);
      const { records: rows, skipped } = splitRecords(asArray(body.data, `${where}: response.data`));
      const pagination = asObject(body.pagination, `${where}: response.pagination`);
      const total = pagination.total;
      const hasMore = pagination.has_more;
      if (typeof total !== 'number' || typeof hasMore !== 'boolean') {
        throw new VendorError('vendor_bad_response', `${where}: response.pagination needs total (number) and has_more (boolean)`);
      }
      const known = ctx.known(rows.map((r) => r.id as string));
      const leads = await mapLimit(rows, DETAIL_CONCURRENCY, async (row): Promise<PulledLead> => {
        const id = row.id as string;
        const prev = known.get(id);
        const prevRow = prev ? withoutDetails(prev.raw) : null;
        const changed = !prevRow || contentHash(prevRow) !== contentHash(row);
        if (!changed && !refreshSet.has(id)) {
          return { lead: normalizePenguinLead({ ...row, attributes: prev!.raw.attributes ?? null }, this.opts.sourceId), vendorDeleted: false };
        }
        const detail = await this.fetchDetail(ctx, id, workspace);
        const raw: JsonObject = { ...row, attributes: (detail.attributes ?? null) as Json };
        return {
          lead: normalizePenguinLead(raw, this.opts.sourceId),
          vendorDeleted: false,
          activities: activitiesOf(id, detail.activity),
        };
      });
      const rowsRead = offset + rows.length + skipped;
      const last = !hasMore || rows.length + skipped === 0;
      yield {
        leads,
        cursor,
        skipped,
        fullScan: true,
        ...(last
          ? {
              scanEnd:
                !hasMore && rowsRead >= total
                  ? { complete: true }
                  : { complete: false, reason: `listing stopped at offset ${rowsRead} of ${total}` },
            }
          : {}),
      };
      if (last) return;
      offset += rows.length + skipped;
    }
  }

  /** Unchanged leads whose details are re-read this poll: next in id order, as far as the budget allows. */
  private pickRefreshes(ctx: PullContext, cursor: PenguinCursor): string[] {
    const wanted = this.opts.source.detailRefreshPerPoll ?? DEFAULT_REFRESH_PER_POLL;
    // Keep half of what is available now for the listing itself and for changed leads.
    const affordable = Math.floor(ctx.http.budget.available() / 2);
    const n = Math.min(wanted, affordable);
    return n > 0 ? ctx.knownIdsAfter(cursor.refreshAfter, n) : [];
  }

  private async fetchDetail(ctx: PullContext, id: string, workspace: string): Promise<JsonObject> {
    const where = `penguinmails GET ${LEADS_PATH}/{id}`;
    const body = asObject(
      await ctx.http.getJson(`${LEADS_PATH}/${encodeURIComponent(id)}`, { workspace }, ctx.signal),
      `${where}: response`,
    );
    return asObject(body.data, `${where}: response.data`);
  }
}

/** The list row part of a stored record (details are kept beside it under `attributes`). */
function withoutDetails(raw: JsonObject): JsonObject {
  const { attributes: _attributes, ...row } = raw;
  return row;
}

/** Activity entries have no id: a hash of lead id, type, campaign and time is their stable key. */
function activitiesOf(leadId: string, value: unknown): PulledActivity[] {
  if (!Array.isArray(value)) return [];
  const out: PulledActivity[] = [];
  for (const entry of value) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
    const raw = entry as JsonObject;
    const type = stringOrNull(raw.type);
    if (!type) continue;
    const key = `act_${contentHash([leadId, type, raw.campaign_id ?? null, raw.timestamp ?? null]).slice(0, 24)}`;
    out.push({
      key,
      activity: { id: key, type, occurredAt: isoOrNull(raw.timestamp), updatedAt: null, data: raw, raw },
    });
  }
  return out;
}

export function penguinHeaders(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

export function normalizePenguinLead(raw: JsonObject, sourceId: string): NormalizedLead {
  const firstName = stringOrNull(raw.first_name);
  const lastName = stringOrNull(raw.last_name);
  const email = stringOrNull(raw.email);
  const attributes = raw.attributes && typeof raw.attributes === 'object' && !Array.isArray(raw.attributes) ? raw.attributes : {};
  const phone = stringOrNull((attributes as JsonObject).phone);
  return {
    id: raw.id as string,
    source: sourceId,
    vendor: 'penguinmails',
    name: [firstName, lastName].filter(Boolean).join(' ') || null,
    firstName,
    lastName,
    email,
    emails: email ? [email] : [],
    phone,
    phones: phone ? [phone] : [],
    company: stringOrNull(raw.company),
    status: stringOrNull(raw.status),
    tags: [],
    owner: null,
    createdAt: isoOrNull(raw.created_at),
    // Rows carry no updated_at.
    updatedAt: null,
    deleted: false,
    raw,
  };
}
