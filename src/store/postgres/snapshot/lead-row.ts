// A lead row as read back from PostgreSQL, parsed lazily (most leads of a poll are compared by
// their stored JSON text alone and never parsed).
import type { DeleteReason, NormalizedLead } from '../../../model.js';
import type { MissingLead, StoredLead } from '../../types.js';

export interface LeadRow {
  lead_id: string;
  hash: string;
  deleted: boolean;
  deleted_reason: DeleteReason | null;
  lead: string;
  raw: string;
  state: string | null;
  missing_scans: number;
}

export const LEAD_COLUMNS = 'lead_id, hash, deleted, deleted_reason, lead, raw, state, missing_scans';

/**
 * As the SQLite store's StoredRow: `lead` is a prototype getter that parses on first read, and
 * rawJson is the raw record's JSON text exactly as stored (TEXT keeps it byte for byte).
 */
export class PgStoredLead implements StoredLead {
  readonly hash: string;
  readonly deleted: boolean;
  readonly deletedReason: DeleteReason | null;
  readonly state: unknown;
  readonly rawJson: string;
  readonly missingScans: number;
  readonly #leadJson: string;
  #lead: NormalizedLead | undefined;

  constructor(r: LeadRow) {
    this.hash = r.hash;
    this.deleted = r.deleted;
    this.deletedReason = r.deleted_reason;
    this.state = r.state === null ? null : JSON.parse(r.state);
    this.rawJson = r.raw;
    this.missingScans = r.missing_scans;
    this.#leadJson = r.lead;
  }

  get lead(): NormalizedLead {
    return (this.#lead ??= { ...JSON.parse(this.#leadJson), raw: JSON.parse(this.rawJson) });
  }
}

/** A row of a lead that complete scans missed, for `decide` (fields copied by name: see PgStoredLead). */
export function toMissingLead(r: LeadRow): MissingLead {
  const s = new PgStoredLead(r);
  return { leadId: r.lead_id, hash: s.hash, deleted: s.deleted, deletedReason: s.deletedReason, lead: s.lead, state: s.state, missingScans: s.missingScans };
}
