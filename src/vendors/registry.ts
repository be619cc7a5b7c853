// Every vendor the relay can read, one line each (its folder's index.ts exports the entry). Every
// other vendor list derives from this one: the config's `vendor` enum and vendor-only settings
// (src/config/schema.ts), VendorName (src/model.ts), the demo, the conformance and fault suites, and
// the index in docs/vendors.md and README.md (checked by test/vendor-registry.test.ts and
// test/docs-links.test.ts). Adding a vendor: docs/adding-a-vendor.md.
import type { VendorDefinition } from './definition.js';
import { apten } from './apten/index.js';
import { nexusErp } from './nexus-erp/index.js';
import { penguinmails } from './penguinmails/index.js';
import { mega } from './mega/index.js';
import { rest } from './rest/index.js';

export const VENDORS = [apten, nexusErp, penguinmails, mega, rest] as const;

/** A vendor's id: `vendor:` in the config, `data.vendor` in webhooks. */
export type VendorId = (typeof VENDORS)[number]['id'];

export const VENDOR_IDS = VENDORS.map((v) => v.id) as [VendorId, ...VendorId[]];

const byId = new Map<string, VendorDefinition>(VENDORS.map((v) => [v.id, v]));

/** The registry entry of a vendor id (the config has checked it is one). */
export function vendorEntry(id: string): VendorDefinition {
  const entry = byId.get(id);
  if (!entry) throw new Error(`unknown vendor ${JSON.stringify(id)}`);
  return entry;
}

/** A source's values for its vendor's own settings (the fields the entry declares), as its adapter and headers take them. */
export function settingsOf(entry: VendorDefinition, source: object): Record<string, unknown> {
  const values = source as Record<string, unknown>;
  return Object.fromEntries(Object.keys(entry.settings).map((field) => [field, values[field]]));
}
