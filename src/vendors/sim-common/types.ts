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
  workspace?: string;
  customerId?: string;
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
