// The zod side of filters and compact payloads, shared by the config file, the admin API and REST
// hooks: a filter is checked by parseFilter, each problem reported at its path inside the filter.
import { z } from 'zod';
import { FILTER_LIMITS, parseFilter } from './parse.js';

/** A subscription's `filter`: a JSON object in Convoy's syntax plus $changed/$to/$from (docs/filters.md). */
export const filterSchema = z
  .record(z.string(), z.unknown(), { error: 'expected an object, e.g. {"data.lead.status": "won"}' })
  .superRefine((value, ctx) => {
    const parsed = parseFilter(value);
    if (parsed.ok) return;
    for (const p of parsed.problems) ctx.addIssue({ code: 'custom', message: p.message, path: p.path as Array<string | number> });
  })
  .meta({
    description:
      `Content filter matched against the webhook body before a delivery is created (no match: no delivery). Keys are dotted paths or nested objects; ` +
      `a plain value means equality (or "contains" for an array field); operators $eq $neq $in $nin $gt $gte $lt $lte $exist $regex (RE2) $or $and, ` +
      `and $changed / $to / $from for what changed. At most ${FILTER_LIMITS.conditions} conditions. See docs/filters.md.`,
    examples: [
      { 'data.lead.status': { $to: 'won' } },
      { 'data.changes': { $changed: ['status', 'owner.id'] } },
      { $or: [{ type: 'lead.created', 'data.lead.raw.source': 'website' }, { 'data.lead.owner.id': { $to: 'usr_42' } }] },
    ],
  });

/** A dotted path into the normalized lead: "status", "owner.id", "raw.isHot". */
const leadFieldSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => p.split('.').every((seg) => seg !== ''), { error: 'is not a dotted path such as "owner.id"' });

/** A subscription's `payload` (compact payloads); the default is the full body of docs/webhooks.md. */
export const payloadOptionsSchema = z
  .strictObject({
    raw: z.boolean().optional().meta({ description: 'false: leave lead.raw and previous.raw (the vendor record) out. Default true.' }),
    mode: z
      .enum(['full', 'changes'])
      .optional()
      .meta({ description: 'changes: send only data.changes, the lead id and `fields` (flat, keyed by path). Default full.' }),
    fields: z.array(leadFieldSchema).max(50).optional().meta({ description: 'With mode changes: lead fields to include, e.g. ["status", "owner.id"].' }),
  })
  .refine((p) => p.fields === undefined || p.mode === 'changes', { error: 'fields goes with mode: "changes"', path: ['fields'] })
  .meta({
    description: 'Compact payloads: what the webhook body leaves out. Signatures cover exactly the bytes sent.',
    examples: [{ raw: false }, { mode: 'changes', fields: ['status', 'owner.id'] }],
  });

export type PayloadOptions = z.output<typeof payloadOptionsSchema>;
