// REST hook responses (src/api/routes/hooks.ts): the hook as Zapier sees it, and sample payloads.
import { z } from 'zod';
import { EVENT_TYPE_FILTERS } from '../../config/index.js';
import { webhookBodySchema } from './webhooks.js';

export const hookSchema = z
  .strictObject({
    id: z.string().meta({ description: 'The subscription id (sub_…); DELETE /v1/hooks/{id} removes it.' }),
    event: z.enum(EVENT_TYPE_FILTERS),
    target_url: z.string(),
    sources: z.array(z.string()).nullable().meta({ description: 'Which source ids; null for all.' }),
  })
  .meta({ description: 'A REST hook: a subscription with origin hook.' });

export const hookSamplesSchema = z
  .array(webhookBodySchema)
  .meta({ description: 'Webhook bodies of the trigger, shaped exactly like live ones (built by the sync code from sample records).' });
