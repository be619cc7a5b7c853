// PenguinMails: limit/offset full scans of list rows (no updated_at: the hash of the row is the
// truth), details (attributes, activity) read for new and changed rows during the scan, and a slow
// round-robin refresh of the rest after it, in the spare time before the next poll; activity entries
// have no id, so they get a stable synthetic key (README.md beside this file).
import type { Json, JsonObject, NormalizedLead } from '../../model.js';
import type { PenguinMailsSettings } from './index.js';
import type { AdapterOptions, PullContext, PulledActivity, PulledLead, PulledPage, VendorAdapter } from '../types.js';
import type { RequestPriority } from '../budget.js';
import { VendorError } from '../http.js';
import { contentHash } from '../../util/canonical.js';
import { RoundRobinPick } from './round-robin.js';
import { listPages, scanFields } from '../paging.js';
import { asObject, isoOrNull, mapLimit, stringOrNull } from '../parse.js';

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

  constructor(private readonly opts: AdapterOptions<PenguinMailsSettings>) {}

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const workspace = this.opts.settings.workspace;
    const where = `penguinmails GET ${LEADS_PATH}`;
    const cursor = (ctx.cursor as PenguinCursor | null) ?? { refreshAfter: null };
    // Next in the round-robin among the known live leads the scan lists: unchanged ones with their
    // rows, for the refresh after it; changed ones (details read during the scan) as null.
    const pick = new RoundRobinPick<JsonObject | null>(cursor.refreshAfter, this.opts.settings.detailRefreshPerPoll ?? DEFAULT_REFRESH_PER_POLL);
    // The next offset moves by the rows a page showed: one that leaves a row out moves it back over
    // one already read, so the rows add up while a lead is missing: the engine then counts the
    // distinct ids listed against the scan's expectListed (src/vendors/paging.ts).
    const pages = listPages({
      paging: {
        style: 'offset',
        records: 'data',
        pageSize: Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE),
        sizeParam: 'limit',
        offsetParam: 'offset',
        hasMore: 'pagination.has_more',
        total: 'pagination.total',
      },
      fetch: async (query) => {
        const body = asObject(await ctx.http.getJson(LEADS_PATH, { workspace, ...query }, ctx.signal), `${where}: response`);
        if (body.success === false) throw new VendorError('vendor_bad_response', `${where}: success is false`);
        asObject(body.pagination, `${where}: response.pagination`);
        return body;
      },
      where,
    });
    for await (const page of pages) {
      const known = await ctx.known(page.items.map((r) => r.id));
      const leads = await mapLimit(page.items, DETAIL_CONCURRENCY, async ({ id, raw: row }): Promise<PulledLead> => {
        const prev = known.get(id);
        const prevRow = prev ? withoutDetails(prev.raw) : null;
        const changed = !prevRow || contentHash(prevRow) !== contentHash(row);
        if (prev && !prev.deleted) pick.offer(id, changed ? null : row);
        if (!changed) {
          return { lead: normalizePenguinLead({ ...row, attributes: prev!.raw.attributes ?? null }, this.opts.sourceId), vendorDeleted: false };
        }
        return withDetail(row, await this.fetchDetail(ctx, id, workspace, 'detail', ctx.signal), this.opts.sourceId);
      });
      yield { leads, cursor, skipped: page.skipped, ...scanFields(page, true) };
    }
    const due = pick.picked();
    if (due.length > 0) yield* this.refresh(ctx, workspace, due, cursor);
  }

  /**
   * Re-reads the details of unchanged leads, one at a time, after the scan and only in its spare
   * time: each waits for a 'refresh' turn of the budget, and the next poll is never held up by them.
   */
  private async *refresh(
    ctx: PullContext,
    workspace: string,
    due: ReadonlyArray<[string, JsonObject | null]>,
    from: PenguinCursor,
  ): AsyncIterable<PulledPage> {
    const spare = ctx.spareTime();
    let refreshAfter = from.refreshAfter;
    let committed = refreshAfter;
    for (const [id, row] of due) {
      if (!row) {
        // Its row changed: its details were read during the scan.
        refreshAfter = id;
        continue;
      }
      let detail: JsonObject | null;
      try {
        detail = await this.fetchDetail(ctx, id, workspace, 'refresh', spare);
      } catch (err) {
        if (spare.aborted) break; // the next poll is due: the rest wait for the next round
        // Deleted since the scan listed it: the next scans find it missing.
        if (err instanceof VendorError && err.httpStatus === 404) detail = null;
        else throw err;
      }
      refreshAfter = id;
      if (!detail) continue;
      committed = refreshAfter;
      yield { leads: [withDetail(row, detail, this.opts.sourceId)], cursor: { refreshAfter }, skipped: 0 };
    }
    if (refreshAfter !== committed) yield { leads: [], cursor: { refreshAfter }, skipped: 0 };
  }

  private async fetchDetail(ctx: PullContext, id: string, workspace: string, priority: RequestPriority, signal: AbortSignal): Promise<JsonObject> {
    const where = `penguinmails GET ${LEADS_PATH}/{id}`;
    const body = asObject(
      await ctx.http.getJson(`${LEADS_PATH}/${encodeURIComponent(id)}`, { workspace }, signal, priority),
      `${where}: response`,
    );
    return asObject(body.data, `${where}: response.data`);
  }
}

/** A listed row with the details just read: attributes kept beside the row, activity as events. */
function withDetail(row: JsonObject, detail: JsonObject, sourceId: string): PulledLead {
  const raw: JsonObject = { ...row, attributes: (detail.attributes ?? null) as Json };
  return { lead: normalizePenguinLead(raw, sourceId), vendorDeleted: false, activities: activitiesOf(row.id as string, detail.activity) };
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
