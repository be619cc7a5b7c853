// `vendor: rest`: a JSON list API described in the source's `rest:` block (README.md beside this
// file) instead of code. One list endpoint, paged by the shared helpers (../paging.ts); every poll a
// full listing, or "changed since" listings with a full one every N polls; soft deletes from a field,
// absences judged by the engine's two-scan and mass-delete rules. No detail or event endpoints.
import type { AdapterOptions, PullContext, PulledPage, VendorAdapter } from '../types.js';
import { FullScanSchedule, listPages, scanFields, type Paging, type Query } from '../paging.js';
import { maxIso, shiftIso } from '../parse.js';
import { idOf, normalizeRestLead, softDeleted, timeOf } from './fields.js';
import type { RestConfig } from './schema.js';
import type { RestSettings } from './index.js';

interface RestCursor {
  /** Largest updatedField value of a completed listing (vendor clock); incremental sync only. */
  since: string | null;
  /** Incremental polls completed since the last full listing. */
  pollsSinceFull: number;
}

/** The source's apiKey in place of every `{apiKey}` (auth header and query values). */
export function withApiKey(template: string, apiKey: string): string {
  return template.replaceAll('{apiKey}', apiKey);
}

export class RestAdapter implements VendorAdapter {
  readonly vendor = 'rest' as const;
  private readonly rest: RestConfig;

  constructor(private readonly opts: AdapterOptions<RestSettings>) {
    this.rest = opts.settings.rest;
  }

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const { rest, opts } = this;
    const { list, sync } = rest;
    const where = `rest GET ${list.path}`;
    const prev = ctx.cursor as RestCursor | null;
    const incremental = sync.mode === 'incremental' ? sync : null;
    const schedule = incremental
      ? new FullScanSchedule({ every: incremental.fullScanEvery, pollsSinceFull: prev?.pollsSinceFull, first: !prev?.since })
      : null;
    const full = schedule === null || schedule.full;
    const filter: Query = {};
    if (incremental && !full && prev?.since) {
      // Re-query a little before the max seen: `>=` filters and equal timestamps make the edge ambiguous.
      filter[incremental.sinceParam] = formatSince(shiftIso(prev.since, -opts.overlapMs), incremental.sinceFormat);
    } else if (incremental?.initialSince !== undefined) {
      filter[incremental.sinceParam] = incremental.initialSince;
    }
    const fixed: Query = Object.fromEntries(Object.entries(list.query ?? {}).map(([k, v]) => [k, String(v)]));
    const paging = { ...list.paging, records: list.records, pageSize: opts.pageSize ?? list.paging.pageSize } as Paging;
    let max = prev?.since ?? null;
    for await (const page of listPages({
      paging,
      where,
      readAhead: true,
      idOf: (raw) => idOf(raw, rest.idField),
      fetch: (q) => ctx.http.getJson(list.path, { ...fixed, ...filter, ...q }, ctx.signal),
    })) {
      if (incremental) max = maxIso([max, ...page.items.map((i) => timeOf(i.raw, [incremental.updatedField]))]);
      // The since cursor moves only once the whole listing is read: the vendor's order is not known
      // to follow updatedField, so a run cut short reads it all again (the hash diff drops repeats).
      const cursor: RestCursor | null = schedule ? { since: page.last ? max : (prev?.since ?? null), pollsSinceFull: schedule.pollsAfter(page.last) } : null;
      yield {
        leads: page.items.map(({ id, raw }) => ({ lead: normalizeRestLead(raw, id, opts.sourceId, rest), vendorDeleted: softDeleted(raw, rest.deletes) })),
        cursor,
        skipped: page.skipped,
        // Only full listings can show a lead is gone, and only when the description says absence means deleted.
        ...scanFields(page, full && rest.deletes.absence),
      };
    }
  }
}

function formatSince(iso: string, format: 'iso' | 'unix' | 'unix_ms'): string | number {
  const ms = Date.parse(iso);
  return format === 'iso' ? iso : format === 'unix' ? Math.floor(ms / 1000) : ms;
}
