// Subscription responses, as src/api/present.ts and the subscription routes build them.
import { z } from 'zod';
import { EVENT_TYPE_FILTERS } from '../../config/index.js';
import type { Subscription } from '../../store/index.js';
import { instantSchema } from './common.js';

export const subscriptionSchema = z
  .strictObject({
    id: z.string().meta({ description: 'sub_… for subscriptions created through the API; the config id otherwise.' }),
    url: z.string(),
    events: z.array(z.enum(EVENT_TYPE_FILTERS)).meta({ description: 'Which types are sent; lead.* / event.* match a family, * everything.' }),
    sources: z.array(z.string()).nullable().meta({ description: 'Which source ids; null for all.' }),
    description: z.string().nullable(),
    headers: z
      .record(z.string(), z.string())
      .meta({ description: 'Static request headers sent with every webhook; values masked as "[redacted hmac:<8 hex>]" (an HMAC under a key of this install: equal values, equal fingerprints).' }),
    maxPerSecond: z.number().nullable(),
    maxConcurrency: z.int().nullable(),
    filter: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Content filter matched against the webhook body at fan-out (docs/filters.md); null: no filter.', examples: [{ 'data.lead.status': { $to: 'won' } }] }),
    payload: z
      .strictObject({ raw: z.boolean().optional(), mode: z.enum(['full', 'changes']).optional(), fields: z.array(z.string()).optional() })
      .nullable()
      .meta({ description: 'Compact payload options; null: the full body.' }),
    filteredCount: z.int().meta({ description: 'Events its events/sources selected but its filter kept back (no delivery created), counted at fan-out since it was created.' }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: instantSchema.nullable(),
    health: z.strictObject({
      failingSince: instantSchema.nullable().meta({ description: 'First failure of the current unbroken run of failures.' }),
      consecutiveFailures: z.int(),
      circuit: z.enum(['closed', 'open', 'half-open']),
      circuitOpenUntil: instantSchema.nullable(),
    }),
    previousSecretExpiresAt: instantSchema
      .nullable()
      .meta({ description: 'During a secret rotation: until when an earlier secret signs too (the latest, when several do).' }),
    origin: z.enum(['config', 'api', 'hook']).meta({ description: 'config: the config file; api: POST /v1/subscriptions; hook: POST /v1/hooks.' }),
    createdBy: z
      .string()
      .nullable()
      .meta({ description: 'Name of the token that created it ("admin" for server.adminToken); null for config subscriptions and older ones.' }),
    createdAt: instantSchema,
    updatedAt: instantSchema,
  })
  .meta({ description: 'A subscription. The signing secret is left out (GET /v1/subscriptions/{id}/secret reads it).' });

export const subscriptionWithSecretSchema = subscriptionSchema
  .extend({ secret: z.string().meta({ description: 'whsec_<base64>: keep it to verify signatures.' }) })
  .meta({ description: 'A subscription just created, with its signing secret.' });

export const subscriptionListSchema = z.strictObject({
  data: z.array(subscriptionSchema).meta({ description: 'Oldest first.' }),
  nextCursor: z.string().nullable().meta({ description: 'Opaque; pass as cursor for the next page; null on the last.' }),
});

export const replayCountsSchema = z.strictObject({
  matched: z.int().meta({ description: "Events in the range that the subscription's events, sources and content filter select." }),
  filtered: z.int().meta({ description: 'Events its events/sources selected but its content filter kept back (0 with ignoreFilter).' }),
  queued: z.int().meta({ description: 'Newly queued; the rest were already pending for it.' }),
});

export const updatedSubscriptionSchema = subscriptionSchema
  .extend({ replayed: replayCountsSchema.optional().meta({ description: 'With replayMissed: what was queued again.' }) })
  .meta({ description: 'The subscription after the change.' });

export const subscriptionSecretSchema = z.strictObject({
  secret: z.string(),
  previousSecret: z.string().optional().meta({ description: 'Only during a rotation grace period: the secret the last rotation replaced.' }),
  previousSecretExpiresAt: instantSchema.optional(),
  previousSecrets: z
    .array(z.strictObject({ secret: z.string(), expiresAt: instantSchema }))
    .max(3)
    .optional()
    .meta({ description: 'Only during a rotation grace period: every earlier secret that still signs, newest first, with the end of its grace period.' }),
});

export const rotatedSecretSchema = z.strictObject({ id: z.string(), secret: z.string(), previousSecretExpiresAt: instantSchema });

export const testSendSchema = z.strictObject({ deliveryId: z.string(), eventId: z.string() });

export const replayResultSchema = replayCountsSchema.extend({ subscriptionId: z.string(), since: instantSchema, until: instantSchema });

// The store's origins, documented one for one.
const _originsMatch: [z.output<typeof subscriptionSchema>['origin']] extends [Subscription['origin']]
  ? [Subscription['origin']] extends [z.output<typeof subscriptionSchema>['origin']]
    ? true
    : false
  : false = true;
void _originsMatch;
