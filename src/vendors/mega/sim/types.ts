// Wire shapes of the MEGA CRM API (../README.md "The vendor's API") and the simulator's control types.
import type { Random } from '../../sim-common/random.js';
import type { SimRateLimit } from '../../sim-common/rate-limit.js';

export interface MegaStage {
  id: string;
  slug: string;
  name: string;
  color: string;
}

export interface MegaOwner {
  id: string;
  name: string;
  role_name: string;
}

/** A lead exactly as the docs' response schema lists it, keys in schema order. */
export interface MegaLead {
  id: string;
  customer_id: string;
  source_platform: string;
  source_type: string;
  status: string;
  created_at: string;
  updated_at: string;
  contact_name: string;
  contact_phone: string;
  contact_email: string;
  score: number;
  qualified: boolean;
  current_stage: MegaStage;
  owner: MegaOwner;
  /** Null until the first interaction: the docs give a timestamp, but a new lead has none to give. */
  last_interaction_at: string | null;
  interaction_count: number;
  custom_fields: Record<string, unknown>;
}

/** On the wire `custom_fields` is absent (not null, not {}) unless include_custom_fields=true. */
export type MegaWireLead = Omit<MegaLead, 'custom_fields'> & { custom_fields?: Record<string, unknown> };

export interface MegaListResponse {
  leads: MegaWireLead[];
  total: number;
  limit: number;
  offset: number;
  next_cursor: string | null;
}

export type MegaErrorType =
  | 'authentication_error'
  | 'permission_error'
  | 'invalid_request_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error';

export interface MegaErrorBody {
  error: { type: MegaErrorType; code: string; message: string };
}

export const MEGA_SORT_FIELDS = ['created_at', 'updated_at', 'last_interaction_at'] as const;
export type MegaSortBy = (typeof MEGA_SORT_FIELDS)[number];
export type MegaSortDir = 'asc' | 'desc';

export interface MegaSort {
  by: MegaSortBy;
  dir: MegaSortDir;
}

/** Fields the vendor maintains itself; updateLead refuses them so tests cannot fake impossible states. */
export const MEGA_MANAGED_FIELDS = ['id', 'customer_id', 'created_at', 'updated_at', 'last_interaction_at', 'interaction_count'] as const;
export type MegaManagedField = (typeof MEGA_MANAGED_FIELDS)[number];

export type MegaLeadPatch = Partial<Omit<MegaLead, MegaManagedField>>;

export type MegaChangeKind = 'lead.created' | 'lead.updated' | 'lead.deleted' | 'interaction';

export interface MegaChange {
  kind: MegaChangeKind;
  leadId: string;
  at: string;
}

export interface MegaSimulatorOptions {
  /** Default: a fresh `mega_<64 hex>` key. */
  apiKey?: string;
  /** Default: DEFAULT_MEGA_CUSTOMER_ID. */
  customerId?: string;
  now?: () => number;
  /** Drives ids and fake data; pass a seeded PRNG (mulberry32) for reproducible runs. */
  random?: Random;
  /** Default: the documented 60/min and 1000/h; [] disables limiting (and the RateLimit-* headers). */
  rateLimits?: readonly SimRateLimit[];
}
