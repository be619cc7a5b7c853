// Nexus ERP: no "changed since" filter, so every poll is a full page/pageSize scan; the order shifts
// while paging, so absence is judged only by the common two-complete-scans rule (README.md beside this file).
import type { JsonObject, NormalizedLead } from '../../model.js';
import type { AdapterOptions, PullContext, PulledPage, VendorAdapter } from '../types.js';
import { VendorError } from '../http.js';
import { asArray, asObject, isoOrNull, readAhead, splitRecords, stringOrNull, stringArray } from '../parse.js';

/** The vendor's maximum page size. */
const PAGE_SIZE = 100;

export class NexusAdapter implements VendorAdapter {
  readonly vendor = 'nexus-erp' as const;

  constructor(private readonly opts: AdapterOptions) {}

  async *pull(ctx: PullContext): AsyncIterable<PulledPage> {
    const where = 'nexus-erp GET /api/v1/leads';
    const pageSize = Math.min(this.opts.pageSize ?? PAGE_SIZE, PAGE_SIZE);
    const request = (page: number) => ctx.http.getJson('/api/v1/leads', { page, pageSize }, ctx.signal);
    let next = request(1);
    // Rows listed, repeats included: fewer than `total` means a page came back short. The order also
    // shifts while paging, so ids repeat and go missing even when the rows add up: the engine then
    // counts the distinct ids listed against expectListed.
    let rows = 0;
    let skippedRows = 0;
    for (let page = 1; ; page++) {
      const body = asObject(await next, `${where}: response`);
      const { records, skipped } = splitRecords(asArray(body.data, `${where}: response.data`));
      const pagination = asObject(body.pagination, `${where}: response.pagination`);
      const totalPages = pagination.totalPages;
      const hasNextPage = pagination.hasNextPage;
      if (typeof totalPages !== 'number' || typeof hasNextPage !== 'boolean') {
        throw new VendorError('vendor_bad_response', `${where}: response.pagination needs totalPages (number) and hasNextPage (boolean)`);
      }
      // A vendor that keeps saying "next page" past its own page count would page forever.
      if (hasNextPage && page > totalPages + 10) {
        throw new VendorError('vendor_bad_response', `${where}: hasNextPage still true on page ${page} of ${totalPages}`);
      }
      rows += records.length + skipped;
      skippedRows += skipped;
      const total = typeof pagination.total === 'number' ? pagination.total : null;
      const last = !hasNextPage;
      // The next page is asked for before this one is committed, so the vendor answers while the engine works.
      if (!last) next = readAhead(request(page + 1));
      yield {
        leads: records.map((raw) => ({ lead: normalizeNexusLead(raw, this.opts.sourceId), vendorDeleted: false })),
        cursor: null,
        skipped,
        fullScan: true,
        ...(last
          ? {
              scanEnd:
                page < totalPages
                  ? { complete: false, reason: `listing ended on page ${page} of ${totalPages}` }
                  : total !== null && rows < total
                    ? { complete: false, reason: `listed ${rows} leads of ${total}` }
                    : { complete: true, ...(total !== null ? { expectListed: total - skippedRows } : {}) },
            }
          : {}),
      };
      if (last) return;
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
