// MEGA (`vendor: mega`): the registry entry. What it detects and how: README.md beside this file.
import { defineVendor, type VendorDefinition, type SettingsOf } from '../definition.js';
import { fullScanEvery } from '../common-settings.js';
import { uuidSchema } from '../../config/fields.js';
import { MegaAdapter } from './adapter.js';

const MINUTE = 60_000;

const settings = {
  /** The account's customer id, sent as x-customer-id (required). */
  customerId: uuidSchema,
  fullScanEvery,
};
export type MegaSettings = SettingsOf<typeof settings>;

// Typed here, not inferred: VendorName (src/model.ts) is derived from these entries.
export const mega: VendorDefinition<'mega', typeof settings> = defineVendor({
  id: 'mega',
  title: 'MEGA',
  summary: {
    changes: 'incremental (`updated_since` + cursor)',
    deletes: 'by absence on the periodic full scan → `missing`',
    events: '`event.added` of type `interaction`',
    budget: '60/min and 1000/h',
  },
  settings,
  headers: (s) => ({ authorization: `Bearer ${s.apiKey}`, 'x-customer-id': s.customerId }),
  // Documented: 60 a minute and 1000 an hour.
  rateLimits: [
    { requests: 60, perMs: MINUTE },
    { requests: 1000, perMs: 60 * MINUTE },
  ],
  create: (o) => new MegaAdapter(o),
  demo: async () => (await import('./demo.js')).demo(),
  conformance: async () => (await import('./conformance.js')).conformance,
});
