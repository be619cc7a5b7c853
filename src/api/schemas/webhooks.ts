// The webhook bodies of docs/webhooks.md as zod schemas: documented in /openapi.json
// under `webhooks`, and checked at compile time against the types the sync engine builds them with.
import { z } from 'zod';
import { VENDORS, WEBHOOK_TYPES, type LeadActivity, type NormalizedLead, type WebhookBody, type WebhookData } from '../../model.js';
import { instantSchema, jsonObjectSchema, jsonValueSchema } from './common.js';

export { WEBHOOK_TYPES } from '../../model.js';

export const vendorSchema = z.enum(VENDORS);

export const normalizedLeadSchema = z
  .strictObject({
    id: z.string().meta({ description: "The vendor's id of the lead." }),
    source: z.string().meta({ description: 'The source id from the config.' }),
    vendor: vendorSchema,
    name: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string().nullable().meta({ description: 'The primary email, also first in emails.' }),
    emails: z.array(z.string()),
    phone: z.string().nullable().meta({ description: 'The primary phone, also first in phones.' }),
    phones: z.array(z.string()),
    company: z.string().nullable(),
    status: z.string().nullable().meta({ description: "The vendor's status, as the vendor spells it (e.g. QUALIFIED)." }),
    tags: z.array(z.string()),
    owner: z.strictObject({ id: z.string().nullable(), name: z.string().nullable() }).nullable(),
    createdAt: instantSchema.nullable(),
    updatedAt: instantSchema.nullable(),
    deleted: z.boolean(),
    raw: jsonObjectSchema.meta({ description: "The vendor's record exactly as received." }),
  })
  .meta({ description: 'A lead as every vendor maps into it. Every field is always present; unknown values are null.' });

export const leadActivitySchema = z
  .strictObject({
    id: z.string(),
    type: z.string().meta({ description: "The vendor's event type, e.g. MESSAGE, CALL, EMAIL." }),
    occurredAt: instantSchema.nullable(),
    updatedAt: instantSchema.nullable().meta({ description: "The vendor's last edit of the event." }),
    data: jsonValueSchema.meta({ description: "The vendor's event payload." }),
    raw: jsonObjectSchema.meta({ description: "The vendor's event exactly as received." }),
  })
  .meta({ description: 'An interaction event on a lead (message, call, email, activity, ...).' });

const base = { source: z.string().meta({ description: 'The source id from the config.' }), vendor: vendorSchema };
const timestamp = instantSchema.meta({ description: 'When the relay detected the change (not when this attempt was made).' });

const leadCreatedData = z.strictObject({ ...base, lead: normalizedLeadSchema });

const leadUpdatedData = z.strictObject({
  ...base,
  lead: normalizedLeadSchema,
  previous: normalizedLeadSchema.meta({ description: 'The normalized lead as it was stored before.' }),
  changes: z.array(z.string()).meta({ description: 'Dotted paths into lead that differ, sorted, e.g. ["raw.isHot", "status"].' }),
});

// `previous` only when the vendor said it deleted the lead: a lead judged missing has no newer state.
const leadDeletedData = z.union([
  z.strictObject({
    ...base,
    lead: normalizedLeadSchema.meta({ description: 'The record as the vendor returns it after the deletion.' }),
    previous: normalizedLeadSchema.meta({ description: 'The last state known before the deletion, personal data included.' }),
    reason: z.literal('vendor_deleted'),
  }),
  z.strictObject({
    ...base,
    lead: normalizedLeadSchema.meta({ description: 'The last known state, with deleted: true.' }),
    reason: z.literal('missing').meta({ description: 'Two consecutive complete scans no longer listed the lead.' }),
  }),
]);

const activityData = z.strictObject({
  ...base,
  leadId: z.string(),
  event: leadActivitySchema,
  lead: normalizedLeadSchema.meta({ description: "The lead's current normalized state." }),
});

const pingData = z.strictObject({ subscriptionId: z.string(), message: z.string() });

const body = <T extends (typeof WEBHOOK_TYPES)[number], D extends z.ZodType>(type: T, data: D, description: string) =>
  z.strictObject({ type: z.literal(type), timestamp, data }).meta({ description });

export const leadCreatedWebhookSchema = body('lead.created', leadCreatedData, 'A lead not seen before appeared.');
export const leadUpdatedWebhookSchema = body('lead.updated', leadUpdatedData, "A known lead's vendor record changed in any way.");
export const leadDeletedWebhookSchema = body(
  'lead.deleted',
  leadDeletedData,
  'The vendor soft-deleted the lead (reason vendor_deleted, with previous), or two complete scans no longer listed it (reason missing).',
);
export const eventAddedWebhookSchema = body('event.added', activityData, 'A new interaction event on a lead.');
export const eventUpdatedWebhookSchema = body('event.updated', activityData, 'An event already delivered changed (e.g. a message delivery status).');
export const pingWebhookSchema = body('ping', pingData, 'A test send (POST /v1/subscriptions/{id}/test), to this subscription only.');

/** One schema per webhook type, keyed by the `type` it carries. */
export const webhookSchemas = {
  'lead.created': leadCreatedWebhookSchema,
  'lead.updated': leadUpdatedWebhookSchema,
  'lead.deleted': leadDeletedWebhookSchema,
  'event.added': eventAddedWebhookSchema,
  'event.updated': eventUpdatedWebhookSchema,
  ping: pingWebhookSchema,
} as const satisfies Record<(typeof WEBHOOK_TYPES)[number], z.ZodType>;

export const webhookBodySchema = z
  .discriminatedUnion('type', [
    leadCreatedWebhookSchema,
    leadUpdatedWebhookSchema,
    leadDeletedWebhookSchema,
    eventAddedWebhookSchema,
    eventUpdatedWebhookSchema,
    pingWebhookSchema,
  ])
  .meta({ description: 'Any webhook body, told apart by type.' });

// ---------------------------------------------------------------------------------------------
// Compile-time checks against src/model.ts, the types the sync engine builds the bodies with.

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assignable<A, B> = [A] extends [B] ? true : false;
type Out<S extends z.ZodType> = z.output<S>;

const checks: {
  lead: Same<Out<typeof normalizedLeadSchema>, NormalizedLead>;
  activity: Same<Out<typeof leadActivitySchema>, LeadActivity>;
  created: Same<Out<typeof leadCreatedData>, Exclude<WebhookData, { changes: unknown } | { reason: unknown } | { event: unknown } | { subscriptionId: unknown }>>;
  updated: Same<Out<typeof leadUpdatedData>, Extract<WebhookData, { changes: string[] }>>;
  // model.ts allows previous with either reason; the schema says previous comes with vendor_deleted only.
  deleted: Assignable<Out<typeof leadDeletedData>, Extract<WebhookData, { reason: unknown }>>;
  activityData: Same<Out<typeof activityData>, Extract<WebhookData, { event: LeadActivity }>>;
  ping: Same<Out<typeof pingData>, Extract<WebhookData, { subscriptionId: string }>>;
  body: Assignable<Out<typeof webhookBodySchema>, WebhookBody>;
  types: Same<Out<typeof webhookBodySchema>['type'], WebhookBody['type']>;
} = { lead: true, activity: true, created: true, updated: true, deleted: true, activityData: true, ping: true, body: true, types: true };
void checks;
