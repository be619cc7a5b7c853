// Adapter registry: the only place that maps a vendor name to its adapter and auth headers.
import type { VendorName } from '../model.js';
import type { AdapterOptions, VendorAdapter } from './types.js';
import type { RateLimit } from './budget.js';
import { AptenAdapter, aptenHeaders } from './apten/adapter.js';
import { NexusAdapter, nexusHeaders } from './nexus-erp/adapter.js';
import { PenguinMailsAdapter, penguinHeaders } from './penguinmails/adapter.js';
import { MegaAdapter, megaHeaders } from './mega/adapter.js';

interface VendorEntry {
  create(opts: AdapterOptions): VendorAdapter;
  headers(source: { apiKey: string; customerId?: string }): Record<string, string>;
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
};

export function vendorEntry(vendor: VendorName): VendorEntry {
  return registry[vendor];
}

export type { VendorAdapter, PulledPage, PulledLead, PullContext, KnownLead } from './types.js';
export { VendorHttp, VendorError } from './http.js';
