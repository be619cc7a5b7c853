// Paging as data: the four ways vendor list endpoints page (page/pageSize, limit/offset, a next token
// read from the response, a keyset cursor taken from the last record), run by one loop that also
// says whether a full listing was complete; plus the "full scan every N polls" schedule.
//
// An adapter describes its endpoint (parameter names, where records, totals and next markers sit in
// the body) and keeps its quirks to itself: what it sends besides paging, how it maps records, what
// it does between pages. Paths into a body are dotted ("pagination.total"); '' is the body itself.
import type { Json, JsonObject } from '../model.js';
import type { PulledPage, ScanEnd } from './types.js';
import { VendorError } from './http.js';
import { readAhead } from './parse.js';

export type Query = Record<string, string | number | undefined>;

interface PagingCommon {
  /** Dotted path of the records array in the response body; '' when the body is the array. */
  records: string;
  /** Records asked for per request. */
  pageSize: number;
  /** Query parameter carrying pageSize; when absent it is not sent (the vendor's default applies). */
  sizeParam?: string;
  /**
   * Dotted path of the vendor's count of every record the listing covers. When set it must be a
   * number on every page, and a listing that shows fewer rows than the last page's total is incomplete.
   */
  total?: string;
}

/** `?page=N&pageSize=M` from `firstPage` (default 1): Nexus ERP. */
export interface PagePaging extends PagingCommon {
  style: 'page';
  pageParam: string;
  firstPage?: number;
  /** Path of a boolean "more pages follow"; without it, the listing ends on a short page or at totalPages. */
  hasNext?: string;
  /** Path of the page count; a listing that ends before it is incomplete. */
  totalPages?: string;
}

/** `?offset=N&limit=M`, the next offset moved by the rows this page held: PenguinMails. */
export interface OffsetPaging extends PagingCommon {
  style: 'offset';
  offsetParam: string;
  /** Path of a boolean "more rows follow"; without it, the listing ends on a short page. */
  hasMore?: string;
}

/** An opaque next token or server-made cursor sent back as is until it is null: Apten, MEGA. */
export interface TokenPaging extends PagingCommon {
  style: 'token';
  tokenParam: string;
  /** Path of the next token; null or '' ends the listing. */
  next: string;
  /** The body must carry the `next` key on every page (null on the last): absent is an error, not "no more". */
  nextRequired?: boolean;
}

/** A cursor the client takes from the last record (`?starting_after=<its id>`), until a short page. */
export interface KeysetPaging extends PagingCommon {
  style: 'keyset';
  afterParam: string;
  /** Dotted path, in a record, of the value sent as afterParam (usually the id). */
  afterField: string;
  /** Path of a boolean "more rows follow"; without it, the listing ends on a short page. */
  hasMore?: string;
}

export type Paging = PagePaging | OffsetPaging | TokenPaging | KeysetPaging;
export type PagingStyle = Paging['style'];
export const PAGING_STYLES = ['page', 'offset', 'token', 'keyset'] as const satisfies readonly PagingStyle[];

export interface ListedRecord {
  /** The record's id as the lead id (see ListOptions.idOf). */
  id: string;
  raw: JsonObject;
}

export interface ListedPage {
  /** The parsed response body, for whatever else the adapter reads from it. */
  body: Json;
  /** Records with a usable id, in the vendor's order. */
  items: ListedRecord[];
  /** Records dropped for lacking a usable id (docs/vendors.md "Common rules": skipped and counted). */
  skipped: number;
  /** 1 for the first request of the listing. */
  index: number;
  last: boolean;
  /** On the last page: whether this was every record (for full scans: PulledPage.scanEnd). */
  end?: ScanEnd;
}

export interface ListOptions {
  paging: Paging;
  /** One request with these paging parameters (merged by the adapter into its own). */
  fetch(query: Query): Promise<unknown>;
  /** "<vendor> GET <path>", the start of every error message. */
  where: string;
  /** Ask for the next page before this one is handed over, so the vendor answers while the engine commits. */
  readAhead?: boolean;
  /** A record's lead id, or null to skip it; default: a non-empty string `id`. */
  idOf?(record: JsonObject): string | null;
}

/** The value at a dotted path ('' is the value itself); undefined when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The PulledPage fields that tell the engine about a full listing: on every page, and how it ended on the last. */
export function scanFields(page: ListedPage, fullScan: boolean): Pick<PulledPage, 'fullScan' | 'scanEnd'> {
  if (!fullScan) return {};
  return page.end ? { fullScan: true, scanEnd: page.end } : { fullScan: true };
}

function defaultIdOf(record: JsonObject): string | null {
  return typeof record.id === 'string' && record.id !== '' ? record.id : null;
}

/** Where the records sit, for messages: `response.data`, or `response` for a bare array. */
function at(path: string): string {
  return path === '' ? 'response' : `response.${path}`;
}

/**
 * Every page of one listing, in order. Throws VendorError (vendor_bad_response) on a body that is
 * not the described shape, a next token that does not advance, or a page count that runs away; the
 * pages yielded before stay valid.
 */
export async function* listPages(opts: ListOptions): AsyncGenerator<ListedPage> {
  const { paging, where } = opts;
  const idOf = opts.idOf ?? defaultIdOf;
  const state = startState(paging);
  let rows = 0;
  let skippedRows = 0;
  let pending = opts.fetch(state.query);
  for (let index = 1; ; index++) {
    const body = (await pending) as Json;
    const list = getPath(body, paging.records);
    if (!Array.isArray(list)) throw new VendorError('vendor_bad_response', `${where}: ${at(paging.records)} must be an array`);
    const items: ListedRecord[] = [];
    let skipped = 0;
    for (const r of list as Json[]) {
      const id = r && typeof r === 'object' && !Array.isArray(r) ? idOf(r) : null;
      if (id === null) skipped++;
      else items.push({ id, raw: r as JsonObject });
    }
    rows += list.length;
    skippedRows += skipped;
    const total = paging.total === undefined ? null : readNumber(body, paging.total, where);
    const step = nextStep(paging, state, body, items, list.length, index, where);
    if (step.next && opts.readAhead) pending = readAhead(opts.fetch(step.next));
    let end: ScanEnd | undefined;
    if (!step.next) {
      if (step.incomplete) end = { complete: false, reason: step.incomplete };
      else if (total !== null && rows < total) end = { complete: false, reason: `listed ${rows} leads of ${total}` };
      // The rows add up, but an order that shifts while paging repeats some and skips others: the
      // engine counts the distinct ids listed against this (vendors/types.ts ScanEnd).
      else end = { complete: true, ...(total !== null ? { expectListed: total - skippedRows } : {}) };
    }
    yield { body, items, skipped, index, last: !step.next, ...(end ? { end } : {}) };
    if (!step.next) return;
    if (!opts.readAhead) pending = opts.fetch(step.next);
  }
}

interface LoopState {
  /** The first request's paging parameters. */
  query: Query;
  page: number;
  offset: number;
  token: string | null;
}

function startState(paging: Paging): LoopState {
  const size = paging.sizeParam ? { [paging.sizeParam]: paging.pageSize } : {};
  const page = paging.style === 'page' ? (paging.firstPage ?? 1) : 0;
  const query: Query =
    paging.style === 'page' ? { ...size, [paging.pageParam]: page } : paging.style === 'offset' ? { ...size, [paging.offsetParam]: 0 } : { ...size };
  return { query, page, offset: 0, token: null };
}

interface Step {
  /** The next request's paging parameters; null when the listing ended. */
  next: Query | null;
  /** Why an ended listing was not every record. */
  incomplete?: string;
}

function nextStep(paging: Paging, state: LoopState, body: Json, items: ListedRecord[], count: number, index: number, where: string): Step {
  const size = paging.sizeParam ? { [paging.sizeParam]: paging.pageSize } : {};
  const short = count < paging.pageSize;
  switch (paging.style) {
    case 'page': {
      const hasNext = paging.hasNext === undefined ? null : readBoolean(body, paging.hasNext, where);
      const totalPages = paging.totalPages === undefined ? null : readNumber(body, paging.totalPages, where);
      const n = index; // pages read so far
      // A vendor that keeps saying "next page" past its own page count would page forever.
      if (hasNext && totalPages !== null && n > totalPages + 10) {
        throw new VendorError('vendor_bad_response', `${where}: ${at(paging.hasNext!)} still true on page ${n} of ${totalPages}`);
      }
      const more = hasNext ?? (totalPages !== null ? n < totalPages : !short);
      if (more && count === 0) return { next: null, incomplete: `page ${n} was empty but more were said to follow` };
      if (!more) return { next: null, ...(totalPages !== null && n < totalPages ? { incomplete: `listing ended on page ${n} of ${totalPages}` } : {}) };
      state.page++;
      return { next: { ...size, [paging.pageParam]: state.page } };
    }
    case 'offset': {
      const hasMore = paging.hasMore === undefined ? null : readBoolean(body, paging.hasMore, where);
      const more = hasMore ?? !short;
      if (more && count === 0) return { next: null, incomplete: `the page at offset ${state.offset} was empty but more were said to follow` };
      if (!more) return { next: null };
      // Moved by the rows shown, not by pageSize: a vendor may cap pages below what was asked.
      state.offset += count;
      return { next: { ...size, [paging.offsetParam]: state.offset } };
    }
    case 'token': {
      const raw = getPath(body, paging.next);
      if (raw === undefined && paging.nextRequired) {
        throw new VendorError('vendor_bad_response', `${where}: ${at(paging.next)} must be a string or null`);
      }
      if (raw !== undefined && raw !== null && typeof raw !== 'string') {
        throw new VendorError('vendor_bad_response', `${where}: ${at(paging.next)} must be a string or null`);
      }
      const token = raw || null;
      if (!token) return { next: null };
      if (token === state.token) throw new VendorError('vendor_bad_response', `${where}: ${at(paging.next)} did not advance`);
      state.token = token;
      return { next: { ...size, [paging.tokenParam]: token } };
    }
    case 'keyset': {
      const hasMore = paging.hasMore === undefined ? null : readBoolean(body, paging.hasMore, where);
      const more = hasMore ?? !short;
      if (more && count === 0) return { next: null, incomplete: `a page was empty but more were said to follow` };
      if (!more) return { next: null };
      const lastRecord = items[items.length - 1];
      const value = lastRecord ? getPath(lastRecord.raw, paging.afterField) : undefined;
      if ((typeof value !== 'string' || value === '') && typeof value !== 'number') {
        throw new VendorError('vendor_bad_response', `${where}: the last record's ${paging.afterField} must be a string or number to page on`);
      }
      const token = String(value);
      if (token === state.token) throw new VendorError('vendor_bad_response', `${where}: ${paging.afterField} of the last record did not advance`);
      state.token = token;
      return { next: { ...size, [paging.afterParam]: token } };
    }
  }
}

function readNumber(body: unknown, path: string, where: string): number {
  const v = getPath(body, path);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new VendorError('vendor_bad_response', `${where}: ${at(path)} must be a number`);
  return v;
}

function readBoolean(body: unknown, path: string, where: string): boolean {
  const v = getPath(body, path);
  if (typeof v !== 'boolean') throw new VendorError('vendor_bad_response', `${where}: ${at(path)} must be a boolean`);
  return v;
}

/**
 * "A full scan every N polls" for vendors that list incrementally (changed since a cursor) but find
 * deletes, or changes stamped behind the cursor, only in a full listing. The first poll (no cursor
 * yet) is a full one. A poll counts only once its last page is committed, so a run cut short is
 * repeated as the same kind: store `pollsAfter(page.last)` in the cursor with every page.
 */
export class FullScanSchedule {
  /** This poll lists everything. */
  readonly full: boolean;
  private readonly polls: number;

  constructor(opts: {
    /** Every how many polls (1: every poll is full). */
    every: number;
    /** The counter stored by the last poll; null/undefined before the first (or in an older cursor). */
    pollsSinceFull: number | null | undefined;
    /** No incremental cursor yet: this poll must list everything anyway. */
    first: boolean;
  }) {
    this.polls = opts.pollsSinceFull ?? 0;
    this.full = opts.first || this.polls + 1 >= opts.every;
  }

  /** The counter to store with a page of this poll. */
  pollsAfter(last: boolean): number {
    if (!last) return this.polls;
    return this.full ? 0 : this.polls + 1;
  }
}
