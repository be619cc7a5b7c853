// What one vendor folder (src/vendors/<id>/) exports from its index.ts: a single registry entry.
// Everything the rest of the relay needs to know about a vendor is here or behind it; the registry
// (src/vendors/registry.ts) lists the entries, and every vendor list (the config's `vendor` enum and
// vendor-only settings, the demo, the conformance and fault suites, docs/vendors.md) derives from it.
import type { z } from 'zod';
import type { RateLimit } from './budget.js';
import type { AdapterOptions, VendorAdapter } from './types.js';
import type { ConformanceCase, DemoVendor } from './sim-common/types.js';

/** A vendor's own source config fields, as zod schemas (required ones are required for that vendor only). */
export type SettingsShape = Record<string, z.ZodType>;
export type SettingsOf<S extends SettingsShape> = { [K in keyof S]: z.output<S[K]> };

export interface VendorDefinition<Id extends string = string, S extends SettingsShape = SettingsShape> {
  /** `vendor:` in the config and `data.vendor` in webhooks. */
  id: Id;
  /** The vendor's name as people write it (docs, the demo). */
  title: string;
  /** Its row in the vendor index of docs/vendors.md and README.md (generated: `npm run docs:vendors`); Markdown. */
  summary: {
    /** How new and changed leads are found. */
    changes: string;
    deletes: string;
    /** Which event.* webhooks it sends, or "none". */
    events: string;
    /** The default request budget, in words. */
    budget: string;
  };
  /**
   * Source config fields only this vendor reads, at the source's top level (`workspace: acme`). A
   * field two vendors share (fullScanEvery) must use the same schema object in both.
   */
  settings: S;
  /** Request headers that authenticate a source's vendor requests. */
  headers(source: { apiKey: string } & SettingsOf<S>): Record<string, string>;
  /** Query parameters sent with every request, for vendors that authenticate by query; secrets like header values. */
  query?(source: { apiKey: string } & SettingsOf<S>): Record<string, string>;
  /** The vendor's documented (or assumed) request limits; a source's `rateLimits` replaces them. */
  rateLimits: readonly RateLimit[];
  /** The adapter for one source (src/vendors/types.ts `VendorAdapter`). */
  create(opts: AdapterOptions<SettingsOf<S>>): VendorAdapter;
  /** A simulator with lifelike activity, as `npm run demo` runs it (loaded on demand); none: not in the demo. */
  demo?(): Promise<DemoVendor>;
  /** The shared conformance (and fault) suites' runs against simulators, at least one (loaded on demand). */
  conformance(): Promise<readonly ConformanceCase[]>;
}

/** Type-checks one vendor's entry (settings, headers and adapter options agree) and keeps its literal id. */
export function defineVendor<const Id extends string, S extends SettingsShape>(def: VendorDefinition<Id, S>): VendorDefinition<Id, S> {
  return def;
}
