// Classifies each incoming record once against the snapshot (Nango's habit), as a pure function.
export type LeadChange = 'created' | 'updated' | 'deleted' | 'undeleted' | 'unchanged' | 'created_deleted';

export interface SnapshotSide {
  hash: string;
  deleted: boolean;
}

/**
 * created_deleted: first seen already soft-deleted; nothing to announce (it was never reported).
 * A deleted lead that changes again while deleted (e.g. a later PII scrub) is 'unchanged' for
 * webhooks: lead.deleted goes out once.
 */
export function classifyLead(prev: SnapshotSide | undefined, next: SnapshotSide): LeadChange {
  if (!prev) return next.deleted ? 'created_deleted' : 'created';
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
