// Nexus ERP (`vendor: nexus-erp`): the registry entry. What it detects and how: README.md beside this file.
import { defineVendor, type VendorDefinition } from '../definition.js';
import { NexusAdapter } from './adapter.js';

// Typed here, not inferred: VendorName (src/model.ts) is derived from these entries.
export const nexusErp: VendorDefinition<'nexus-erp', {}> = defineVendor({
  id: 'nexus-erp',
  title: 'Nexus ERP',
  summary: {
    changes: 'full scan every poll',
    deletes: 'by absence → `missing`',
    events: 'none',
    budget: 'none documented',
  },
  settings: {},
  headers: (s) => ({ authorization: `Bearer ${s.apiKey}` }),
  // Nexus ERP documents no limits: its 429s and Retry-After are honoured as they come.
  rateLimits: [],
  create: (o) => new NexusAdapter(o),
  demo: async () => (await import('./demo.js')).demo(),
  conformance: async () => (await import('./conformance.js')).conformance,
});
