// Compact payloads: what a subscription's `payload` option leaves out of the webhook body. The
// default sends the stored body byte for byte; otherwise the body is rebuilt once per attempt and
// that exact text is what gets signed and sent.
import type { PayloadOptions } from '../store/index.js';
import { getter } from '../filters/index.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the option changes anything: null, {} and {raw: true, mode: "full"} do not. */
export function isFullPayload(p: PayloadOptions | null): boolean {
  return p === null || ((p.raw ?? true) && (p.mode ?? 'full') === 'full');
}

/** The body a subscription with `options` receives, as text; `body` is the stored webhook body. */
export function shapePayload(body: string, options: PayloadOptions | null): string {
  if (isFullPayload(options)) return body;
  const parsed = JSON.parse(body) as Obj;
  const data = parsed.data;
  // Test pings and anything not about a lead go as they are.
  if (!isObj(data) || !isObj(data.lead)) return body;
  return JSON.stringify({ ...parsed, data: (options!.mode ?? 'full') === 'changes' ? changesOnly(data, options!) : withoutRaw(data) });
}

function withoutRaw(data: Obj): Obj {
  const out: Obj = { ...data };
  for (const key of ['lead', 'previous'] as const) {
    const lead = data[key];
    if (isObj(lead)) {
      const { raw: _raw, ...rest } = lead;
      out[key] = rest;
    }
  }
  return out;
}

/**
 * `changes` plus the lead's id and the chosen fields, flat ("owner.id" as one key): data keeps
 * source, vendor, reason (lead.deleted) and event (event.added/updated); lead and previous shrink
 * to {id, ...fields}.
 */
function changesOnly(data: Obj, options: PayloadOptions): Obj {
  const fields = options.fields ?? [];
  const readers = fields.map((f) => [f, getter(f.split('.'))] as const);
  const pick = (lead: Obj): Obj => {
    const out: Obj = { id: lead.id ?? null };
    for (const [name, read] of readers) {
      const v = read(lead);
      out[name] = v === undefined ? null : v;
    }
    return out;
  };
  const lead = data.lead as Obj;
  const out: Obj = { source: data.source, vendor: data.vendor, leadId: lead.id ?? data.leadId ?? null };
  if (Array.isArray(data.changes)) out.changes = data.changes;
  if (data.reason !== undefined) out.reason = data.reason;
  if (data.event !== undefined) out.event = data.event;
  out.lead = pick(lead);
  if (isObj(data.previous)) out.previous = pick(data.previous);
  return out;
}
