// Nexus ERP: no "changed since" filter, so every poll is a full page/pageSize scan; the order shifts
// while paging, so absence is judged only by the common two-complete-scans rule (README.md beside this file).
import type { JsonObject, NormalizedLead } from '../../model.js';
import type { AdapterOptions, PullContext, PulledPage, VendorAdapter } from '../types.js';
import { listPages, scanFields } from '../paging.js';
import { asObject, isoOrNull, stringOrNull, stringArray } from '../parse.js';

/** The vendor's maximum page size. */
const PAGE_SIZE = 100;

export class NexusAdapter implements VendorAdapter {
  readonly vendor = 'nexus-erp' as const;

  constructor(private readonly opts: AdapterOptions) {}

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const where = 'nexus-erp GET /api/v1/leads';
    // Rows listed, repeats included, against `total`; the order also shifts while paging, so ids
    // repeat and go missing even when the rows add up: the engine then counts the distinct ids
    // listed against the scan's expectListed (src/vendors/paging.ts).
    const pages = listPages({
      paging: {
        style: 'page',
        records: 'data',
        pageSize: Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE),
        sizeParam: 'pageSize',
        pageParam: 'page',
        hasNext: 'pagination.hasNextPage',
        totalPages: 'pagination.totalPages',
        total: 'pagination.total',
      },
      fetch: async (query) => {
        const body = asObject(await ctx.http.getJson('/api/v1/leads', query, ctx.signal), `${where}: response`);
        asObject(body.pagination, `${where}: response.pagination`);
        return body;
      },
      where,
      // The next page is asked for before this one is committed, so the vendor answers while the engine works.
      readAhead: true,
    });
    for await (const page of pages) {
      yield {
        leads: page.items.map(({ raw }) => ({ lead: normalizeNexusLead(raw, this.opts.sourceId), vendorDeleted: false })),
        cursor: null,
        skipped: page.skipped,
        ...scanFields(page, true),
      };
    }
  }
}

export function normalizeNexusLead(raw: JsonObject, sourceId: string): NormalizedLead {
  const emails = stringArray(raw.emails);
  const phones = stringArray(raw.phones);
  const ownerId = stringOrNull(raw.assignedToId);
  return {
    id: raw.id as string,
    source: sourceId,
    vendor: 'nexus-erp',
    // "Company - First Last" is a display name; the API has no separate first/last name.
    name: stringOrNull(raw.name),
    firstName: null,
    lastName: null,
    email: stringOrNull(raw.primaryEmail) ?? emails[0] ?? null,
    emails,
    phone: stringOrNull(raw.primaryPhone) ?? phones[0] ?? null,
    phones,
    company: stringOrNull(raw.company),
    status: stringOrNull(raw.status),
    tags: [],
    owner: ownerId ? { id: ownerId, name: null } : null,
    createdAt: isoOrNull(raw.createdAt),
    updatedAt: isoOrNull(raw.updatedAt),
    deleted: false,
    raw,
  };
}
