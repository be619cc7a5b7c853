// `npm run docs:vendors`: rewrites the index of docs/vendors.md from the registry (src/vendors/registry.ts).
// With --check, changes nothing and exits 1 when the page is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { VENDORS } from '../src/vendors/registry.js';
import { withVendorIndex } from '../src/vendors/docs-index.js';

const path = new URL('../docs/vendors.md', import.meta.url);
const page = readFileSync(path, 'utf8');
const next = withVendorIndex(page, VENDORS);
if (process.argv.includes('--check')) {
  if (next !== page) {
    console.error('docs/vendors.md: the vendor index is out of date; run npm run docs:vendors');
    process.exit(1);
  }
} else if (next !== page) {
  writeFileSync(path, next);
  console.log('docs/vendors.md: vendor index updated');
}
