// The registry (src/vendors/registry.ts) is the one list of vendors: every entry has its folder's
// docs page, a row in docs/vendors.md, a conformance case the shared suites run, a demo, and
// settings the config accepts; nothing else lists vendors by hand (docs/adding-a-vendor.md).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VENDORS, VENDOR_IDS, settingsOf, vendorEntry } from '../src/vendors/registry.js';
import { VENDORS as CONFIG_VENDORS, validateConfig } from '../src/config/index.js';
import { VENDORS as MODEL_VENDORS } from '../src/model.js';
import { withVendorIndex } from '../src/vendors/docs-index.js';

const ADMIN = 'registry-test-admin-token-0123456789';
const ROOT = new URL('..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The rows between the vendor-index markers of docs/vendors.md: [id, README link]. */
function docsIndex(): Array<[string, string]> {
  const page = read('docs/vendors.md');
  const start = page.indexOf('<!-- vendor-index');
  const end = page.indexOf('<!-- /vendor-index -->');
  expect(start, 'docs/vendors.md has its vendor-index markers').toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return [...page.slice(start, end).matchAll(/^\| \[`([^`]+)`\]\(([^)]+)\)/gm)].map((m) => [m[1]!, m[2]!]);
}

describe('the vendor registry', () => {
  it('has one folder per entry under src/vendors/, named by its id, with a README.md and an index.ts', () => {
    const folders = readdirSync(join(ROOT, 'src/vendors')).filter(
      (name) => statSync(join(ROOT, 'src/vendors', name)).isDirectory() && existsSync(join(ROOT, 'src/vendors', name, 'index.ts')),
    );
    expect(folders.sort()).toEqual([...VENDOR_IDS].sort());
    for (const v of VENDORS) {
      const readme = read(`src/vendors/${v.id}/README.md`);
      // A title naming the config value, and what the vendor cannot detect (or do).
      expect(readme.split('\n')[0], `src/vendors/${v.id}/README.md`).toMatch(new RegExp(`^# .*\`vendor: ${v.id}\``));
      expect(readme).toMatch(/^## What it cannot (detect|do)/m);
      // Every setting of its own is documented on its page.
      for (const field of Object.keys(v.settings)) expect(readme, `${v.id} documents ${field}`).toMatch(new RegExp(`\`${field}[\`.:]`));
    }
  });

  it('is the index of docs/vendors.md, in registry order, each row linking the vendor\'s README.md', () => {
    expect(docsIndex()).toEqual(VENDORS.map((v) => [v.id, `../src/vendors/${v.id}/README.md`]));
    // Generated: the page is what `npm run docs:vendors` writes.
    const page = read('docs/vendors.md');
    expect(withVendorIndex(page, VENDORS) === page, 'docs/vendors.md is up to date (run npm run docs:vendors)').toBe(true);
  });

  it('is the list the config, the model and the webhook schema use', () => {
    expect([...CONFIG_VENDORS]).toEqual([...VENDOR_IDS]);
    expect([...MODEL_VENDORS]).toEqual([...VENDOR_IDS]);
    const bad = validateConfig({ server: { adminToken: ADMIN }, sources: [{ id: 'a', vendor: 'nope', baseUrl: 'https://a.example', apiKey: 'k' }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.message)).toContain(`must be one of ${VENDOR_IDS.join(', ')}`);
  });

  it('gives every vendor conformance cases whose simulator the config accepts as a source of that vendor, settings included', async () => {
    for (const v of VENDORS) {
      const cases = await v.conformance();
      expect(cases.length, v.id).toBeGreaterThan(0);
      // Built-in vendors (those with a simulator of their own) run the fault suite too.
      if (v.demo) expect(cases.some((c) => c.faults), `${v.id} has a fault case`).toBe(true);
      for (const c of cases) {
        const sim = c.make();
        const source = { id: 'src', ...sim.sourceConfig('http://127.0.0.1:1'), ...c.source };
        const parsed = validateConfig({ server: { adminToken: ADMIN }, sources: [source] });
        expect(parsed.ok ? [] : parsed.problems, v.id).toEqual([]);
        if (!parsed.ok) continue;
        expect(parsed.config.sources[0]!.vendor).toBe(v.id);
        // The settings reach the adapter and the headers as the entry declares them.
        const settings = settingsOf(vendorEntry(v.id), parsed.config.sources[0]!);
        expect(Object.keys(settings).sort()).toEqual(Object.keys(v.settings).sort());
        const headers = v.headers({ apiKey: 'the-key', ...settings } as never);
        expect(Object.values(headers).join(' ')).toContain('the-key');
        expect(v.create({ sourceId: 'src', overlapMs: 2000, settings } as never).vendor).toBe(v.id);
      }
    }
  });

  it('gives the vendors with a simulator of their own a demo of it, each with its own source id', async () => {
    const withDemo = VENDORS.filter((v) => v.demo);
    const demos = await Promise.all(withDemo.map((v) => v.demo!()));
    expect(demos.map((d) => ({ ...d.sim.sourceConfig('http://127.0.0.1:1'), ...d.source }.vendor))).toEqual(withDemo.map((v) => v.id));
    expect(new Set(demos.map((d) => d.sourceId)).size).toBe(demos.length);
    // The four built-in vendors are in the demo.
    expect(withDemo.map((v) => v.id)).toEqual(expect.arrayContaining(['apten', 'nexus-erp', 'penguinmails', 'mega']));
  });

  it('declares a setting two vendors share with one schema object, and requires it for nobody else', () => {
    const seen = new Map<string, unknown>();
    for (const v of VENDORS) {
      for (const [field, schema] of Object.entries(v.settings)) {
        if (seen.has(field)) expect(schema, `${field} (${v.id})`).toBe(seen.get(field));
        seen.set(field, schema);
      }
    }
    for (const v of VENDORS) {
      const required = Object.entries(v.settings).filter(([, s]) => !s.safeParse(undefined).success).map(([f]) => f);
      for (const field of required) {
        const other = VENDORS.find((o) => !(field in o.settings));
        if (!other) continue;
        const parsed = validateConfig({
          server: { adminToken: ADMIN },
          sources: [{ id: 'a', vendor: other.id, baseUrl: 'https://a.example', apiKey: 'k', [field]: 'x' }],
        });
        expect(parsed.ok ? [] : parsed.problems.map((p) => p.path.join('.'))).toContain(`sources.0.${field}`);
      }
    }
  });

  it('is where the conformance and fault suites, and the demo, take their vendors from (no list by hand)', () => {
    for (const file of ['test/conformance.test.ts', 'test/vendor-faults.test.ts', 'src/demo/run.ts']) {
      const text = read(file);
      expect(text, file).toMatch(/import \{ VENDORS \} from '\.\.\/(src\/)?vendors\/registry\.js'/);
      expect(text, file).toMatch(/VENDORS\.(map|flatMap)\(/);
    }
    // The shared suites name no vendor's simulator for their cases.
    expect(read('test/conformance.test.ts')).not.toMatch(/src\/vendors\/[a-z-]+\/sim\//);
  });
});
