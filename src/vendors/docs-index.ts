// The index of docs/vendors.md, generated from the registry (`npm run docs:vendors` writes it;
// test/vendor-registry.test.ts fails when the page is out of date).
import type { VendorDefinition } from './definition.js';

export const INDEX_START = '<!-- vendor-index: generated from src/vendors/registry.ts by `npm run docs:vendors`; do not edit by hand -->';
export const INDEX_END = '<!-- /vendor-index -->';

/** The index table: one row per registry entry, in registry order, linking each vendor's README.md. */
export function vendorIndexTable(vendors: readonly VendorDefinition[]): string {
  const rows = vendors.map(
    (v) => `| [\`${v.id}\`](../src/vendors/${v.id}/README.md) | ${v.title} | ${v.summary.changes} | ${v.summary.deletes} | ${v.summary.events} | ${v.summary.budget} |`,
  );
  return [
    '| `vendor:` | name | new and changed leads | deletes | interaction events | request budget (default) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The page with its index block (between the markers) replaced by the registry's. */
export function withVendorIndex(page: string, vendors: readonly VendorDefinition[]): string {
  const start = page.indexOf('<!-- vendor-index');
  const end = page.indexOf(INDEX_END);
  if (start < 0 || end < start) throw new Error(`docs/vendors.md: the index markers (${INDEX_END}) are missing`);
  return `${page.slice(0, start)}${INDEX_START}\n${vendorIndexTable(vendors)}\n${page.slice(end)}`;
}
