// One readable line per webhook for the demo's console.
import type { ReceivedWebhook } from './subscriber.js';

type Obj = Record<string, unknown>;

export function describeWebhook(w: ReceivedWebhook): string {
  const type = String(w.body.type);
  const data = (w.body.data ?? {}) as Obj;
  const lead = (data.lead ?? {}) as Obj;
  const who = `${String(data.source)}/${String(lead.id ?? data.leadId)} ${lead.name ? `"${String(lead.name)}"` : ''}`.trim();
  let detail = '';
  if (type === 'lead.updated') detail = `changed: ${(data.changes as string[]).join(', ')}`;
  else if (type === 'lead.deleted') detail = `reason: ${String(data.reason)}`;
  else if (type.startsWith('event.')) {
    const ev = (data.event ?? {}) as Obj;
    detail = `${String(ev.type)} ${summarizeEventData(ev.data)}`;
  } else if (type === 'lead.created') detail = `status ${String(lead.status)}`;
  return `${type.padEnd(14)} ${who}  ${detail}  (webhook-id ${w.id})`;
}

function summarizeEventData(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as Obj;
  const content = d.content as Obj | undefined;
  const text = typeof content?.text === 'string' ? `"${content.text.slice(0, 40)}"` : '';
  const status = typeof d.status === 'string' ? `[${d.status}]` : '';
  return [d.direction, status, text].filter(Boolean).join(' ');
}
