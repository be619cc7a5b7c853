// Adapter registry: the only place that maps a vendor name to its adapter and auth headers.
import type { VendorName } from '../model.js';
import type { AdapterOptions, VendorAdapter } from './types.js';
import { AptenAdapter, aptenHeaders } from './apten.js';

interface VendorEntry {
  create(opts: AdapterOptions): VendorAdapter;
  headers(source: { apiKey: string; customerId?: string }): Record<string, string>;
}

const registry: Partial<Record<VendorName, VendorEntry>> = {
  apten: { create: (o) => new AptenAdapter(o), headers: (s) => aptenHeaders(s.apiKey) },
};

export function vendorEntry(vendor: VendorName): VendorEntry {
  const entry = registry[vendor];
  if (!entry) throw new Error(`vendor "${vendor}" is not supported yet`);
  return entry;
}

export function supportedVendors(): VendorName[] {
  return Object.keys(registry) as VendorName[];
}

export type { VendorAdapter, PulledPage, PulledLead, PullContext, KnownLead } from './types.js';
export { VendorHttp, VendorError } from './http.js';
