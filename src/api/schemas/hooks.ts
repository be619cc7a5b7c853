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
    filter: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Content filter (docs/filters.md); null: none.' }),
    payload: z
      .strictObject({ raw: z.boolean().optional(), mode: z.enum(['full', 'changes']).optional(), fields: z.array(z.string()).optional() })
      .nullable()
      .meta({ description: 'Compact payload options; null: the full body.' }),
  })
  .meta({ description: 'A REST hook: a subscription with origin hook.' });

export const SAMPLE_ID_DESCRIPTION =
  'The webhook-id header its delivery would carry (evt_…). Not part of the body: Zapier needs an id in each result, and the ' +
  "Zapier app in docs/zapier adds the live webhook's webhook-id as id too.";

/**
 * A sample: a webhook body plus `id`. The body schemas are strict, so `id` is split off before they
 * check the rest; in the OpenAPI document this is allOf [{id}, WebhookBody] (src/api/openapi.ts).
 */
export const hookSampleSchema = z.looseObject({ id: z.string() }).superRefine((value, ctx) => {
  const { id: _id, ...body } = value;
  const parsed = webhookBodySchema.safeParse(body);
  if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path, message: issue.message });
});

export const hookSamplesSchema = z
  .array(hookSampleSchema)
  .meta({ description: 'Webhook bodies of the trigger with their id, shaped exactly like live ones (built by the sync code from sample records).' });
