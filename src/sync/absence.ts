// Deletes by absence (docs/vendors.md "Deletes by absence"): what to do with leads that two consecutive complete
// scans did not list, including the mass-delete guard. Pure: the store applies the decision.
import type { VendorName } from '../model.js';
import type { MissingDecision, MissingLead } from '../store/index.js';
import { newId } from '../util/ids.js';

/** A lead is reported missing only after this many consecutive complete scans without it. */
export const MISSED_SCANS_TO_DELETE = 2;

export interface MissingInput {
  sourceId: string;
  vendor: VendorName;
  missing: MissingLead[];
  liveCount: number;
  /** Largest share of the source's live leads one scan may delete (e.g. 0.2). */
  maxShare: number;
  /** An operator released held deletes: apply them whatever their share. */
  force?: boolean;
  /** False during a baseline first sync: the snapshot changes, nothing is announced. */
  emit: boolean;
  now: number;
}

export function decideMissing(input: MissingInput): MissingDecision {
  const { sourceId, vendor, missing, liveCount, maxShare, force, emit, now } = input;
  if (missing.length === 0) return { apply: true, writes: [], outbox: [], warning: null };
  const share = liveCount === 0 ? 1 : missing.length / liveCount;
  if (!force && share > maxShare) {
    const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
    return {
      apply: false,
      writes: [],
      outbox: [],
      warning: {
        code: 'deletes_held',
        message:
          `${missing.length} of ${liveCount} leads (${pct(share)}) were missing from ${MISSED_SCANS_TO_DELETE} consecutive complete scans, ` +
          `more than maxDeleteShare (${pct(maxShare)}): no lead.deleted was sent, in case the vendor is returning a partial list. ` +
          `If they are really gone, POST /v1/sources/${sourceId}/release-deletes`,
      },
    };
  }
  const at = new Date(now).toISOString();
  const writes: MissingDecision['writes'] = [];
  const outbox: MissingDecision['outbox'] = [];
  for (const m of missing) {
    // The last state the relay saw, marked deleted: the vendor no longer tells us anything newer.
    const lead = { ...m.lead, deleted: true };
    writes.push({ leadId: m.leadId, hash: m.hash, deleted: true, deletedReason: 'missing', lead, state: m.state });
    if (!emit) continue;
    outbox.push({
      id: newId('evt', now),
      type: 'lead.deleted',
      sourceId,
      leadId: m.leadId,
      createdAt: at,
      body: { type: 'lead.deleted', timestamp: at, data: { source: sourceId, vendor, lead, reason: 'missing' } },
    });
  }
  return { apply: true, writes, outbox, warning: null };
}
