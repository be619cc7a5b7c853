// The webhooks the relay sends, as the OpenAPI document's `webhooks`: one operation per type of
// WEBHOOK_TYPES (src/model.ts), its body schema named after the type, and the Standard Webhooks headers.
import { VERSION } from '../version.js';
import { WEBHOOK_TYPES, type WebhookType } from '../model.js';
import { webhookSchemas } from './schemas/webhooks.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** "lead.created" → "LeadCreatedWebhook", "ping" → "PingWebhook". */
export function webhookComponentName(type: WebhookType): string {
  return `${type.split('.').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Webhook`;
}

/** Each webhook body schema, by its component name. */
export function webhookComponents() {
  return Object.fromEntries(WEBHOOK_TYPES.map((t) => [webhookComponentName(t), webhookSchemas[t]]));
}

export const WEBHOOK_HEADERS = {
  WebhookId: {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: "The event's id. The same on every retry and replay of the event to this subscription: de-duplicate on it.",
    schema: { type: 'string', examples: ['evt_01M88Z0XMVPJAEM4DXA2J8NQ8D'] },
  },
  WebhookTimestamp: {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'Unix time in seconds of this attempt.',
    schema: { type: 'string', pattern: '^[0-9]+$', examples: ['1778772602'] },
  },
  WebhookSignature: {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"> keyed with the base64-decoded part of the ' +
      'subscription secret after whsec_ (Standard Webhooks). During a secret rotation, two signatures separated by a space.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$' },
  },
  UserAgent: {
    name: 'user-agent',
    in: 'header',
    required: true,
    description: 'leadrelay/<version>',
    schema: { type: 'string', examples: [`leadrelay/${VERSION}`] },
  },
} as const;

export function webhookOperation(type: WebhookType) {
  const name = webhookComponentName(type);
  const description = (webhookSchemas[type].meta() as { description?: string } | undefined)?.description;
  return {
    post: {
      operationId: `webhook_${type.replace('.', '_')}`,
      summary: description ?? type,
      parameters: Object.keys(WEBHOOK_HEADERS).map((k) => ({ $ref: `#/components/parameters/${k}` })),
      requestBody: { required: true, content: { 'application/json': { schema: ref(name) } } },
      responses: {
        '2XX': { description: 'Delivered.' },
        '410': { description: 'Gone: the subscription is disabled (a REST hook is removed).' },
        default: { description: 'Any other status, a redirect, a timeout or a refused connection: a failed attempt, retried on delivery.retrySchedule.' },
      },
    },
  };
}
