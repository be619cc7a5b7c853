// The vendors layer as the rest of the relay uses it: the registry of vendors (registry.ts) and the
// pieces every adapter shares (types.ts, http.ts).
export { VENDORS, VENDOR_IDS, settingsOf, vendorEntry, type VendorId } from './registry.js';
export type { VendorDefinition } from './definition.js';
export type { VendorAdapter, PulledPage, PulledLead, PullContext, KnownLead } from './types.js';
export { VendorHttp, VendorError } from './http.js';
