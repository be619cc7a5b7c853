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

/** Config problems for enabled sources whose vendor this build cannot sync yet, as `path: message`. */
export function unsupportedVendorProblems(config: { sources: ReadonlyArray<{ vendor: VendorName; enabled: boolean }> }): string[] {
  return config.sources.flatMap((s, i) =>
    s.enabled && !registry[s.vendor]
      ? [`sources[${i}].vendor: ${s.vendor} is not supported by this version yet (supported: ${supportedVendors().join(', ')}); set enabled: false to keep it configured`]
      : [],
  );
}

export type { VendorAdapter, PulledPage, PulledLead, PullContext, KnownLead } from './types.js';
export { VendorHttp, VendorError } from './http.js';
