// `vendor: rest` (a JSON list API described in the source's `rest:` block): the registry entry.
// How to describe a vendor, every key, what it cannot do: README.md beside this file.
import { defineVendor, type VendorDefinition, type SettingsOf } from '../definition.js';
import { RestAdapter, withApiKey } from './adapter.js';
import { restSchema } from './schema.js';

const settings = {
  /** The vendor described as data (required). */
  rest: restSchema,
};
export type RestSettings = SettingsOf<typeof settings>;

const filled = (values: Record<string, string> | undefined, apiKey: string) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, withApiKey(v, apiKey)]));

// Typed here, not inferred: VendorName (src/model.ts) is derived from these entries.
export const rest: VendorDefinition<'rest', typeof settings> = defineVendor({
  id: 'rest',
  title: 'Any JSON list API, described in YAML',
  summary: {
    changes: 'as described: full scans, or incremental with a periodic full scan',
    deletes: 'as described: a soft-delete field → `vendor_deleted`; absence → `missing`',
    events: 'none',
    budget: "none assumed: the source's `rateLimits`",
  },
  settings,
  headers: (s) => filled(s.rest.auth.headers, s.apiKey),
  query: (s) => filled(s.rest.auth.query, s.apiKey),
  // None assumed for an API we know nothing of: the source's rateLimits set them; 429s, Retry-After
  // and RateLimit-* headers are honoured as they come.
  rateLimits: [],
  create: (o) => new RestAdapter(o),
  demo: async () => (await import('./demo.js')).demo(),
  conformance: async () => (await import('./conformance.js')).conformance,
});
