// Shapes every layer shares: the normalized lead and the webhook events of docs/webhooks.md.
import { VENDOR_IDS, type VendorId } from './vendors/registry.js';

/** The vendor ids, from the registry (src/vendors/registry.ts). */
export const VENDORS = VENDOR_IDS;
export type VendorName = VendorId;

/**
 * The concrete event types a webhook can carry: the one list every other is derived from (config
 * and API enums, the family wildcards, the event log's filter, hook samples, the OpenAPI document).
 */
export const EVENT_TYPES = ['lead.created', 'lead.updated', 'lead.deleted', 'event.added', 'event.updated'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a webhook's `type` can be (and the event log holds): a detected change, or a test send (POST /v1/subscriptions/:id/test). */
export const WEBHOOK_TYPES = [...EVENT_TYPES, 'ping'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

type FamilyOf<T> = T extends `${infer F}.${string}` ? `${F}.*` : never;
/** "lead.*", "event.*": every type of one family, from the part of EVENT_TYPES before the dot. */
export type EventFamily = FamilyOf<EventType>;
export const EVENT_FAMILIES = [...new Set(EVENT_TYPES.map((t) => `${t.slice(0, t.indexOf('.'))}.*`))] as EventFamily[];

/** What a subscription's `events` may list: a concrete type, a family wildcard, or everything. */
export type EventTypeFilter = EventType | EventFamily | '*';
export const EVENT_TYPE_FILTERS = [...EVENT_TYPES, ...EVENT_FAMILIES, '*'] as unknown as readonly [EventTypeFilter, ...EventTypeFilter[]];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A lead as every vendor maps into it; unknown values are null, never absent. */
export interface NormalizedLead {
  id: string;
  source: string;
  vendor: VendorName;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  emails: string[];
  phone: string | null;
  phones: string[];
  company: string | null;
  status: string | null;
  tags: string[];
  owner: { id: string | null; name: string | null } | null;
  createdAt: string | null;
  updatedAt: string | null;
  deleted: boolean;
  raw: JsonObject;
}

/** An interaction event on a lead, as sent in event.added / event.updated. */
export interface LeadActivity {
  id: string;
  type: string;
  occurredAt: string | null;
  updatedAt: string | null;
  data: Json;
  raw: JsonObject;
}

export type DeleteReason = 'vendor_deleted' | 'missing';

export type WebhookData =
  | { source: string; vendor: VendorName; lead: NormalizedLead }
  | { source: string; vendor: VendorName; lead: NormalizedLead; previous: NormalizedLead; changes: string[] }
  | { source: string; vendor: VendorName; lead: NormalizedLead; previous?: NormalizedLead; reason: DeleteReason }
  | { source: string; vendor: VendorName; leadId: string; event: LeadActivity; lead: NormalizedLead }
  | { subscriptionId: string; message: string };

/** The webhook body, exactly as sent. */
export interface WebhookBody {
  type: WebhookType;
  timestamp: string;
  data: WebhookData;
}

/** A detected change waiting in the outbox. */
export interface OutboxEvent {
  id: string;
  type: WebhookType;
  sourceId: string;
  leadId: string;
  createdAt: string;
  body: WebhookBody;
}

/** Compact payloads (src/delivery/payload.ts): what a subscription's webhooks leave out; the type is its schema's output (src/filters/schema.ts). */
export type { PayloadOptions } from './filters/schema.js';
