// Apten (`vendor: apten`): the registry entry. What it detects and how: README.md beside this file.
import { defineVendor, type VendorDefinition, type SettingsOf } from '../definition.js';
import { fullScanEvery } from '../common-settings.js';
import { AptenAdapter } from './adapter.js';

const settings = { fullScanEvery };
export type AptenSettings = SettingsOf<typeof settings>;

// Typed here, not inferred: VendorName (src/model.ts) is derived from these entries.
export const apten: VendorDefinition<'apten', typeof settings> = defineVendor({
  id: 'apten',
  title: 'Apten',
  summary: {
    changes: 'incremental (`updatedSince`)',
    deletes: "the vendor's soft delete → `vendor_deleted`",
    events: '`event.added`, `event.updated`',
    budget: 'none documented',
  },
  settings,
  headers: (s) => ({ 'x-api-key': s.apiKey }),
  // Apten documents no limits: its 429s and Retry-After are honoured as they come.
  rateLimits: [],
  create: (o) => new AptenAdapter(o),
  demo: async () => (await import('./demo.js')).demo(),
  conformance: async () => (await import('./conformance.js')).conformance,
});
