// Adapter registry: the only place that maps a vendor name to its adapter and auth headers.
import type { VendorName } from '../model.js';
import type { AdapterOptions, VendorAdapter } from './types.js';
import type { RateLimit } from './budget.js';
import { AptenAdapter, aptenHeaders } from './apten.js';
import { NexusAdapter, nexusHeaders } from './nexus.js';
import { PenguinMailsAdapter, penguinHeaders } from './penguinmails.js';
import { MegaAdapter, megaHeaders } from './mega.js';
import { restVendor } from './rest/index.js';
import type { SourceConfig } from '../config/index.js';

interface VendorEntry {
  create(opts: AdapterOptions): VendorAdapter;
  headers(source: SourceConfig): Record<string, string>;
  /** Query parameters sent with every request (auth by query); secrets like header values. */
  query?(source: SourceConfig): Record<string, string>;
  /** The vendor's documented (or assumed) request limits; a source's rateLimits replaces them. */
  rateLimits: RateLimit[];
}

const MINUTE = 60_000;

const registry: Record<VendorName, VendorEntry> = {
  // Apten and Nexus document no limits: their 429s and Retry-After are honoured as they come.
  apten: { create: (o) => new AptenAdapter(o), headers: (s) => aptenHeaders(s.apiKey), rateLimits: [] },
  'nexus-erp': { create: (o) => new NexusAdapter(o), headers: (s) => nexusHeaders(s.apiKey), rateLimits: [] },
  // Undocumented: vendors.md says to assume 60 requests a minute.
  penguinmails: {
    create: (o) => new PenguinMailsAdapter(o),
    headers: (s) => penguinHeaders(s.apiKey),
    rateLimits: [{ requests: 60, perMs: MINUTE }],
  },
  mega: {
    create: (o) => new MegaAdapter(o),
    headers: (s) => megaHeaders(s.apiKey, s.customerId ?? ''),
    rateLimits: [
      { requests: 60, perMs: MINUTE },
      { requests: 1000, perMs: 60 * MINUTE },
    ],
  },
  rest: restVendor,
};

export function vendorEntry(vendor: VendorName): VendorEntry {
  return registry[vendor];
}

export type { VendorAdapter, PulledPage, PulledLead, PullContext, KnownLead } from './types.js';
export { VendorHttp, VendorError } from './http.js';
