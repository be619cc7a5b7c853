// Classifies each incoming record once against the snapshot (Nango's habit), as a pure function.
export type LeadChange = 'created' | 'updated' | 'deleted' | 'undeleted' | 'reappeared' | 'unchanged' | 'created_deleted';

export interface SnapshotSide {
  hash: string;
  deleted: boolean;
  /** Why the snapshot holds it as deleted: the vendor said so, or scans stopped listing it. */
  deletedReason?: 'vendor_deleted' | 'missing' | null;
}

/**
 * created_deleted: first seen already soft-deleted; nothing to announce (it was never reported).
 * A deleted lead that changes again while deleted (e.g. a later PII scrub) is 'unchanged' for
 * webhooks: lead.deleted goes out once.
 * reappeared: reported deleted because scans stopped listing it, now listed again. Receivers were
 * told it is gone, so it is announced as created anew (a vendor undelete is 'undeleted').
 */
export function classifyLead(prev: SnapshotSide | undefined, next: SnapshotSide): LeadChange {
  if (!prev) return next.deleted ? 'created_deleted' : 'created';
  if (prev.deleted && prev.deletedReason === 'missing') return next.deleted ? 'unchanged' : 'reappeared';
  if (!prev.deleted && next.deleted) return 'deleted';
  if (prev.deleted && !next.deleted) return 'undeleted';
  if (prev.deleted) return 'unchanged';
  return prev.hash === next.hash ? 'unchanged' : 'updated';
}

export type ActivityChange = 'added' | 'updated' | 'unchanged';

export function classifyActivity(prevHash: string | undefined, nextHash: string): ActivityChange {
  if (prevHash === undefined) return 'added';
  return prevHash === nextHash ? 'unchanged' : 'updated';
}
