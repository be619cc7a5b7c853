// What every vendor simulator offers tests and the demo, whatever the vendor (one conformance suite runs on all).
import type { VendorName } from '../../model.js';

export interface SimServerHandle {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * How a scripted fault breaks an answer (default `status`):
 * - `status`: `status` (default 500) with `body` instead of the real answer;
 * - `reset`: the TCP connection is reset before anything is sent;
 * - `hang`: the request is read and never answered (until `stallMs`, then the connection drops);
 * - `stall-body`: the real answer's status, headers and first half of its body, then nothing;
 * - `trickle`: the real answer, its body one byte every `trickleMs` (default 300);
 * - `rewrite`: the real answer with its JSON body passed through `rewrite` (e.g. a field dropped).
 */
export type SimFaultKind = 'status' | 'reset' | 'hang' | 'stall-body' | 'trickle' | 'rewrite';

/** What a fault does to the one request it hits, whatever the vendor. */
export interface SimFaultAction {
  kind?: SimFaultKind;
  /** Kind `status`: the status sent (default 500). */
  status?: number;
  /** Kind `status`: sent verbatim; default: the vendor's own error shape with the status's reason phrase. */
  body?: string;
  contentType?: string;
  retryAfterSeconds?: number;
  /** Kind `rewrite`: the answer to send, given the real one's parsed JSON body (which it may mutate). */
  rewrite?: (body: any) => unknown;
  /** Kinds `hang` and `stall-body`: how long the connection stays stuck before it is dropped (default 60 s). */
  stallMs?: number;
  /** Kind `trickle`: the pause between two bytes of the body (default 300 ms). */
  trickleMs?: number;
}

export interface SimFault extends SimFaultAction {
  /**
   * Restrict the fault to requests whose path contains this string (ends with it, when it ends in
   * `$`); all endpoints when absent.
   */
  path?: string;
  /** Let this many matching requests through first (e.g. fail the second page of a scan). */
  skip?: number;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
}

/** Source config keys (besides id) that point the relay at this simulator. */
export interface SimSourceConfig {
  vendor: VendorName;
  baseUrl: string;
  apiKey: string;
  /** The vendor's own settings (src/vendors/<id>/index.ts `settings`), e.g. PenguinMails' workspace. */
  [setting: string]: unknown;
}

export interface VendorSimulator {
  readonly vendor: VendorName;
  readonly requests: SimRequest[];
  listen(port?: number, host?: string): Promise<SimServerHandle>;
  /** Lifelike leads; returns their ids. */
  seed(n: number): string[];
  /** A new lead with lifelike values (overridable by vendor field names); returns its id. */
  createLead(fields?: Record<string, unknown>): string;
  /** A realistic profile change (e.g. status) that must surface as lead.updated. */
  touchLead(id: string): void;
  /** The vendor's delete: soft where the vendor has soft deletes, hard (gone from listings) otherwise. */
  deleteLead(id: string): void;
  /** Ids of leads the vendor lists now (soft-deleted ones included where the vendor lists them). */
  leadIds(): string[];
  /** The next n matching requests get this response instead. */
  failNext(n: number, fault: SimFault): void;
  /** Source config for a relay to sync this simulator at `url` (as returned by listen). */
  sourceConfig(url: string): SimSourceConfig;
}

/** One vendor as `npm run demo` runs it (src/demo/run.ts): a simulator with lifelike activity. */
export interface DemoVendor {
  /** The demo's source id for it. */
  sourceId: string;
  sim: VendorSimulator;
  /** More source config keys for the demo (poll interval, settings). */
  source: Record<string, unknown>;
  /** Starts the vendor's lifelike changes (3 seeded leads first); stop() ends them. */
  activity(): { stop(): void };
  /** A line for the demo's banner about anything this vendor's demo does besides its activity. */
  note?: string;
}

/**
 * One run of the shared conformance suite (test/conformance.test.ts) against a simulator, and of the
 * fault suite (test/vendor-faults.test.ts) where `faults` is given (hono's shared router suite habit).
 */
export interface ConformanceCase {
  /** The suite's title when a vendor has several cases (e.g. one per described API); default: the vendor's id. */
  name?: string;
  /** A fresh simulator with an API key of its own; `now` is the vendor's clock (the fault suite skews it). */
  make(opts?: { now?: () => number }): VendorSimulator;
  /** Deletes are reported by the vendor (soft delete) rather than found by absence. */
  softDeletes: boolean;
  /** Source config over the simulator's own: small pages, every poll a full scan where the vendor has both. */
  source: Record<string, unknown>;
  /** Substring of the list endpoint's path (a fault path: see SimFault.path). */
  listPath: string;
  /** Incremental vendors with a periodic full listing: source config making it every `n` polls. */
  fullListEvery?(n: number): Record<string, unknown>;
  /** Full-listing vendors: a list page made to say "no more pages" (totals kept). */
  endListing?(body: any): void;
  /** Full-listing vendors: a list page made to leave out one lead from its middle (totals kept). */
  dropRecord?(body: any): void;
  /** What the fault suite needs; a case without it runs in the conformance suite only. */
  faults?: FaultCase;
}

export interface FaultCase {
  /** Source config for the fault suite: small pages so that every sync has a page 2 to break. */
  source: Record<string, unknown>;
  /** The list endpoint alone, where another endpoint shares its prefix (ends in `$`); default the case's listPath. */
  listPath?: string;
  /** Listing by a "changed since" query and an opaque cursor the vendor can reject, rather than by page number/offset. */
  incremental: boolean;
  /** The vendor's error envelope around a message. */
  errorBody(message: string): unknown;
  /** Drops a field the docs mark required from a real list page, and what the relay must then say. */
  dropRequired(body: any): void;
  requiredMessage: RegExp;
  /** The vendor refusing the next page's position: its own answer to a bad/expired cursor, page or offset. */
  rejectCursor: SimFault;
  cursorMessage: RegExp;
}
