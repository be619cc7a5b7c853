// Wire shapes of the Apten API (../README.md "The vendor's API") and the simulator's control types.
import type { SimFaultAction } from '../../sim-common/types.js';

export interface AptenTag {
  id: string;
  name: string;
  condition: string;
}

/** `incrementalLead` from the list-leads OpenAPI schema, keys in schema order. */
export interface AptenLead {
  id: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  email: string | null;
  customerProfile: string;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string | null;
  additionalInfo: Record<string, unknown> | null;
  hasReplied: boolean;
  isHot: boolean;
  isQualified: boolean;
  isUnsubscribed: boolean;
  isUnsubscribedEmail: boolean;
  isAiOn: boolean;
  summary: string | null;
  tags: AptenTag[];
  externalLeadId: string | null;
  deleted: boolean;
  deletedAt: string | null;
}

/** A room event; `type` is open-ended because Apten adds types without notice. */
export interface AptenEvent {
  id: string;
  roomId: string;
  orgId: string;
  type: string;
  timestamp: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

export type AptenChangeKind =
  | 'lead.created'
  | 'lead.updated'
  | 'lead.deleted'
  | 'lead.restored'
  | 'event.added'
  | 'event.updated'
  | 'event.deleted';

export interface AptenChange {
  kind: AptenChangeKind;
  leadId: string;
  eventId?: string;
  at: string;
}

export interface AptenRequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
}

export interface AptenFault extends SimFaultAction {
  /** Restrict the fault to one endpoint; both when absent. */
  path?: 'leads' | 'events';
  /** Let this many matching requests through first. */
  skip?: number;
}

export interface AptenSimulatorOptions {
  apiKey: string;
  orgId?: string;
  now?: () => number;
  /** Drives ids and fake data; pass a seeded PRNG (see mulberry32) for reproducible runs. */
  random?: () => number;
}

export interface NewAptenEvent {
  type: string;
  data?: Record<string, unknown>;
  timestamp?: string;
  id?: string;
}
