// PenguinMails (`vendor: penguinmails`): the registry entry. What it detects and how: README.md beside this file.
import { defineVendor, type VendorDefinition, type SettingsOf } from '../definition.js';
import { intSchema, nonEmptyString } from '../../config/fields.js';
import { PenguinMailsAdapter } from './adapter.js';

const MINUTE = 60_000;

const settings = {
  /** The workspace slug every request names (required). */
  workspace: nonEmptyString.max(200),
  /** Unchanged leads whose details (attributes, activity) are re-read per poll, budget permitting (default 10). */
  detailRefreshPerPoll: intSchema(0, 10_000).optional(),
};
export type PenguinMailsSettings = SettingsOf<typeof settings>;

// Typed here, not inferred: VendorName (src/model.ts) is derived from these entries.
export const penguinmails: VendorDefinition<'penguinmails', typeof settings> = defineVendor({
  id: 'penguinmails',
  title: 'PenguinMails',
  summary: {
    changes: 'full scan every poll',
    deletes: 'by absence → `missing`',
    events: '`event.added` from the activity list',
    budget: '60/min (assumed)',
  },
  settings,
  // The API page does not say how a key is sent: a bearer token is assumed (README.md beside this file, "Auth").
  headers: (s) => ({ authorization: `Bearer ${s.apiKey}` }),
  // Undocumented: assumed 60 requests a minute (README.md beside this file, "Limits").
  rateLimits: [{ requests: 60, perMs: MINUTE }],
  create: (o) => new PenguinMailsAdapter(o),
  demo: async () => (await import('./demo.js')).demo(),
  conformance: async () => (await import('./conformance.js')).conformance,
});
