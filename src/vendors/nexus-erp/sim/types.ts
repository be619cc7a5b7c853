// Wire shapes of the Nexus ERP list-leads API (../README.md "The vendor's API") and the simulator's control types.
import type { SimRateLimit } from '../../sim-common/rate-limit.js';

export const NEXUS_STATUSES = ['NOT_CONTACTED', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST'] as const;
export type NexusStatus = (typeof NEXUS_STATUSES)[number];

/** One item of `data`, keys in the docs' table order. */
export interface NexusLead {
  id: string;
  name: string;
  phones: string[];
  emails: string[];
  primaryPhone: string | null;
  primaryEmail: string | null;
  contactId: string;
  company: string | null;
  source: string | null;
  status: NexusStatus;
  notes: string | null;
  nextCallAt: string | null;
  createdAt: string;
  updatedAt: string;
  assignedToId: string | null;
  clientId: string | null;
}

/** The docs' field order; used to emit items in that order whatever order fields were set in. */
export const NEXUS_LEAD_FIELDS = [
  'id',
  'name',
  'phones',
  'emails',
  'primaryPhone',
  'primaryEmail',
  'contactId',
  'company',
  'source',
  'status',
  'notes',
  'nextCallAt',
  'createdAt',
  'updatedAt',
  'assignedToId',
  'clientId',
] as const satisfies ReadonlyArray<keyof NexusLead>;

export interface NexusPagination {
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
  hasNextPage: boolean;
  hasPrevPage: boolean;
}

export interface NexusListResponse {
  data: NexusLead[];
  pagination: NexusPagination;
}

export type NexusChangeKind = 'lead.created' | 'lead.updated' | 'lead.deleted';

/** Ground truth of what happened, for tests to compare against what the relay emitted. */
export interface NexusChange {
  kind: NexusChangeKind;
  leadId: string;
  at: string;
}

export interface NexusSimulatorOptions {
  apiKey: string;
  now?: () => number;
  /** Drives ids, fake data and volatility; pass a seeded PRNG (mulberry32) for reproducible runs. */
  random?: () => number;
  /** 0..1: chance per list request that one lead's nextCallAt is rescheduled first (default 0). */
  volatility?: number;
  /** Nexus documents no limits, so none by default; tests opt in to see 429 + Retry-After. */
  rateLimits?: SimRateLimit[];
}
