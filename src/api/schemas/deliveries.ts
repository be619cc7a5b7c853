// Delivery responses (presentDelivery in src/api/present.ts): a delivery and its attempt log.
import { z } from 'zod';
import { instantSchema } from './common.js';
import { WEBHOOK_TYPES } from './webhooks.js';

export const deliveryAttemptSchema = z.strictObject({
  id: z.string(),
  attempt: z.int().meta({ description: '1 for the first attempt.' }),
  trigger: z.enum(['scheduled', 'manual']),
  at: instantSchema,
  durationMs: z.int(),
  statusCode: z.int().nullable().meta({ description: "The receiver's HTTP status; null when no response came (timeout, refused)." }),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  nextAttemptAt: instantSchema.nullable().meta({ description: 'When the next attempt was scheduled after this one; null when it ended the delivery.' }),
});

export const deliverySchema = z
  .strictObject({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string().meta({ description: 'The webhook-id.' }),
    eventType: z.enum(WEBHOOK_TYPES),
    source: z.string().nullable().meta({ description: 'null for a test ping.' }),
    leadId: z.string().nullable().meta({ description: 'null for a test ping.' }),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.int(),
    nextAttemptAt: instantSchema.nullable(),
    lastStatusCode: z.int().nullable(),
    lastError: z.string().nullable(),
    createdAt: instantSchema,
    updatedAt: instantSchema,
    completedAt: instantSchema.nullable(),
    attemptLog: z.array(deliveryAttemptSchema),
  })
  .meta({ description: 'One event to one subscription, with every attempt.' });

export const deliveryPageSchema = z.strictObject({
  data: z.array(deliverySchema),
  nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last.' }),
});

export const retryAcceptedSchema = z.strictObject({ id: z.string(), status: z.literal('pending') });
