// `npm run docs:vendors`: rewrites the vendor index of docs/vendors.md and of README.md from the
// registry (src/vendors/registry.ts). With --check, changes nothing and exits 1 when one is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { VENDORS } from '../src/vendors/registry.js';
import { withVendorIndex } from '../src/vendors/docs-index.js';

/** Each page with the index, and src/vendors/ as a link from it. */
const PAGES = [
  { name: 'docs/vendors.md', vendorsDir: '../src/vendors' },
  { name: 'README.md', vendorsDir: 'src/vendors' },
];

let stale = false;
for (const { name, vendorsDir } of PAGES) {
  const path = new URL(`../${name}`, import.meta.url);
  const page = readFileSync(path, 'utf8');
  const next = withVendorIndex(page, VENDORS, vendorsDir);
  if (next === page) continue;
  if (process.argv.includes('--check')) {
    console.error(`${name}: the vendor index is out of date; run npm run docs:vendors`);
    stale = true;
  } else {
    writeFileSync(path, next);
    console.log(`${name}: vendor index updated`);
  }
}
if (stale) process.exit(1);
