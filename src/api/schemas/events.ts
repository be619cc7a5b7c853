// GET /v1/events: one entry of the event log is a webhook body plus where it came from.
import { z } from 'zod';
import { instantSchema } from './common.js';
import { WEBHOOK_TYPES, webhookBodySchema } from './webhooks.js';

export const eventLogEntrySchema = z.strictObject({
  id: z.string().meta({ description: 'The webhook-id.' }),
  type: z.enum(WEBHOOK_TYPES),
  source: z.string().nullable().meta({ description: 'null for a test ping.' }),
  leadId: z.string().nullable().meta({ description: 'null for a test ping.' }),
  createdAt: instantSchema,
  payload: webhookBodySchema.meta({ description: 'The webhook body exactly as sent.' }),
});

export const eventLogPageSchema = z.strictObject({
  data: z.array(eventLogEntrySchema),
  nextCursor: z.string().nullable().meta({ description: 'Opaque; pass as cursor for the next page; null on the last.' }),
});
