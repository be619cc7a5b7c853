// The vendor index of docs/vendors.md and README.md, generated from the registry (`npm run
// docs:vendors` writes both; test/vendor-registry.test.ts and test/docs-links.test.ts fail when one
// is out of date).
import type { VendorDefinition } from './definition.js';

export const INDEX_START = '<!-- vendor-index: generated from src/vendors/registry.ts by `npm run docs:vendors`; do not edit by hand -->';
export const INDEX_END = '<!-- /vendor-index -->';

/**
 * The index table: one row per registry entry, in registry order, linking each vendor's README.md.
 * `vendorsDir` is src/vendors/ as a link from the page (docs/vendors.md: `../src/vendors`).
 */
export function vendorIndexTable(vendors: readonly VendorDefinition[], vendorsDir = '../src/vendors'): string {
  const rows = vendors.map(
    (v) => `| [\`${v.id}\`](${vendorsDir}/${v.id}/README.md) | ${v.title} | ${v.summary.changes} | ${v.summary.deletes} | ${v.summary.events} | ${v.summary.budget} |`,
  );
  return [
    '| `vendor:` | name | new and changed leads | deletes | interaction events | request budget (default) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The page with its index block (between the markers) replaced by the registry's. */
export function withVendorIndex(page: string, vendors: readonly VendorDefinition[], vendorsDir = '../src/vendors'): string {
  const start = page.indexOf('<!-- vendor-index');
  const end = page.indexOf(INDEX_END);
  if (start < 0 || end < start) throw new Error(`the vendor index markers (${INDEX_END}) are missing`);
  return `${page.slice(0, start)}${INDEX_START}\n${vendorIndexTable(vendors, vendorsDir)}\n${page.slice(end)}`;
}
