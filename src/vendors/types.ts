// The one interface every vendor adapter implements; the sync engine knows vendors only through it.
import type { JsonObject, LeadActivity, NormalizedLead, VendorName } from '../model.js';
import type { VendorHttp } from './http.js';

/** What the snapshot remembers of a lead, as an adapter may consult it (never SQL). */
export interface KnownLead {
  raw: JsonObject;
  deleted: boolean;
  /** The adapter's own per-lead cursor, as it returned it last time. */
  state: unknown;
}

export interface PullContext {
  sourceId: string;
  /** The cursor committed with the last page, or null before the first sync. */
  cursor: unknown;
  http: VendorHttp;
  signal: AbortSignal;
  /** Snapshot lookups for a page's lead ids, in one batch. */
  known(ids: readonly string[]): Promise<Map<string, KnownLead>>;
  /**
   * Call once change detection is done and only optional work (e.g. background detail refreshes) is
   * left. The next poll is then due one poll interval later, however long the optional work takes,
   * and the signal returned aborts when it is due, when a sync is asked for, or on shutdown: optional
   * work stops then, keeping what it committed. It fills the time between polls, never delays one.
   */
  spareTime(): AbortSignal;
}

export interface PulledLead {
  lead: NormalizedLead;
  /** The vendor says it is deleted (soft delete). */
  vendorDeleted: boolean;
  /** Interaction events, when the adapter fetched them this time; undefined means "not checked". */
  activities?: PulledActivity[];
  /** The adapter's per-lead cursor to store with the lead; undefined keeps the stored one. */
  state?: unknown;
}

export interface PulledActivity {
  /** Vendor-stable key that identifies the event across polls (e.g. type + id). */
  key: string;
  activity: LeadActivity;
}

export interface PulledPage {
  leads: PulledLead[];
  /** Committed with this page, in the same transaction. */
  cursor: unknown;
  /** Records dropped because they had no usable id. */
  skipped: number;
  /** Set on every page of a full listing: leads it does not list can be found missing. */
  fullScan?: boolean;
  /** On a full listing's last page: was it complete (every page read, counts consistent)? */
  scanEnd?: ScanEnd;
}

/** How a full listing ended. */
export interface ScanEnd {
  complete: boolean;
  reason?: string;
  /**
   * The distinct lead ids a complete listing must have shown: the vendor's own total, less records
   * without a usable id. The engine counts the ids the scan listed (in the store, so a million-lead
   * scan holds no id set in memory) and takes a shorter listing as incomplete: a vendor whose order
   * shifts while paging can repeat one lead and skip another in the same scan, and the skipped one
   * must not count as missed.
   */
  expectListed?: number;
}

export interface VendorAdapter {
  readonly vendor: VendorName;
  /** One sync run: pages in order. Throwing ends the run; pages already yielded stay committed. */
  pull(ctx: PullContext): AsyncIterable<PulledPage>;
}

export interface AdapterOptions<Settings = Record<string, unknown>> {
  sourceId: string;
  overlapMs: number;
  pageSize?: number;
  /** The vendor's own settings from the source config (its entry's `settings`, src/vendors/definition.ts). */
  settings: Settings;
}
