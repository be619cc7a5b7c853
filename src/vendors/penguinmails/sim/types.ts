// Wire shapes of the PenguinMails Leads API (../README.md "The vendor's API") and the simulator's control types.
import type { Json, JsonObject } from '../../../model.js';
import type { SimRateLimit } from '../../sim-common/rate-limit.js';
import type { Random } from '../../sim-common/random.js';

/** The statuses the docs list for the `status` filter, in the order a lead moves through them. */
export const LEAD_STATUSES = ['new', 'contacted', 'replied', 'converted'] as const;
export type PenguinMailsLeadStatus = (typeof LEAD_STATUSES)[number];

export const ACTIVITY_TYPES = ['email_sent', 'email_opened', 'email_clicked', 'replied', 'bounced', 'unsubscribed'] as const;
export type PenguinMailsActivityType = (typeof ACTIVITY_TYPES)[number];

/** A row of `GET /leads`, keys in the docs' order. There is deliberately no updated_at: the vendor has none. */
export interface PenguinMailsLeadRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  status: PenguinMailsLeadStatus;
  /** Whole seconds, `2025-11-01T10:00:00Z`, like the docs' examples; equal values are common. */
  created_at: string;
}

/** An activity entry has no id: `type`, `campaign_id`, `timestamp` are all there is. */
export interface PenguinMailsActivity {
  type: PenguinMailsActivityType;
  campaign_id: string;
  timestamp: string;
}

/** `GET /leads/{id}`: the row plus attributes and activity (what the simulator stores per lead). */
export interface PenguinMailsLead extends PenguinMailsLeadRow {
  attributes: JsonObject;
  activity: PenguinMailsActivity[];
}

/** Row fields and/or attributes; attributes merge key by key and a null value removes the key (JSON merge patch). */
export interface PenguinMailsLeadPatch {
  email?: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  status?: PenguinMailsLeadStatus;
  attributes?: { [key: string]: Json };
}

export interface NewPenguinMailsActivity {
  type: PenguinMailsActivityType;
  /** Defaults to the lead's most recent campaign, else one of the account's campaigns. */
  campaign_id?: string;
  /** Any parseable date; stored at whole seconds. Defaults to now. */
  timestamp?: string;
}

export type PenguinMailsChangeKind = 'lead.created' | 'lead.updated' | 'lead.deleted' | 'activity.added';

export interface PenguinMailsChange {
  kind: PenguinMailsChangeKind;
  leadId: string;
  at: string;
  /** For activity.added: the entry as the detail endpoint shows it. */
  activity?: PenguinMailsActivity;
}

export interface PenguinMailsSimulatorOptions {
  apiKey: string;
  /** The one workspace slug this account answers for (default `acme-corp`, as in the docs). */
  workspace?: string;
  now?: () => number;
  /** Drives ids and fake data; pass a seeded PRNG (see mulberry32) for reproducible runs. */
  random?: Random;
  /** Undocumented by the vendor; default 60 requests per minute. `[]` disables limiting (and its headers). */
  rateLimits?: readonly SimRateLimit[];
}
