// The `rest:` block of a `vendor: rest` source: a JSON list API described as data (README.md beside
// this file has every key). Validated with zod; each problem names its key, e.g.
// `sources[0].rest.list.paging.style: must be one of page, offset, token, keyset`.
import { z } from 'zod';
import { headerValueProblem, isValidHeaderName } from '../../util/http-headers.js';
import { PAGING_STYLES } from '../paging.js';

/** A dotted path into a JSON object: `contact_email`, `pagination.total`, `owner.id`. */
const PATH_RE = /^[^.\s]+(\.[^.\s]+)*$/;
const PATH_HINT = 'must be a dotted path like "owner.id"';

const fieldPath = z.string().min(1).max(200).regex(PATH_RE, { error: PATH_HINT });
/** Where the records are: a dotted path, or '' when the response body is the array itself. */
const recordsPath = z.string().max(200).refine((s) => s === '' || PATH_RE.test(s), { error: `${PATH_HINT}, or "" for a body that is the array` });

/** One path, or several tried in order (the first with a value wins). */
const paths = z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(fieldPath, { error: (iss) => (iss.input === undefined ? 'required' : 'expected a path or a list of paths') }).min(1).max(10));

const int = (min: number, max: number) => z.number({ error: (iss) => (iss.input === undefined ? 'required' : 'expected an integer') }).int().min(min).max(max);

/** A discriminated union whose bad or missing discriminator reads like an enum's message. */
function oneOf<K extends string>(key: K, values: readonly string[]) {
  return (iss: { code?: string; input?: unknown }) => {
    if (iss.code !== 'invalid_union') return undefined;
    const v = iss.input && typeof iss.input === 'object' ? (iss.input as Record<string, unknown>)[key] : undefined;
    // zod reports it at the discriminator's own path (…paging.style), so the message names no key.
    return v === undefined ? `required: one of ${values.join(', ')}` : `must be one of ${values.join(', ')}`;
  };
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

// ---------------------------------------------------------------------------------------------
// list: the endpoint, where its records are, and how it pages (src/vendors/paging.ts)

const pagingCommon = {
  /** Default records per request; a source's pageSize replaces it. */
  pageSize: int(1, 1000).default(100),
  sizeParam: z.string().min(1).optional(),
  total: fieldPath.optional(),
};

const pagingSchema = z.discriminatedUnion(
  'style',
  [
    z.strictObject({ style: z.literal('page'), ...pagingCommon, pageParam: z.string().min(1), firstPage: int(0, 1).optional(), hasNext: fieldPath.optional(), totalPages: fieldPath.optional() }),
    z.strictObject({ style: z.literal('offset'), ...pagingCommon, offsetParam: z.string().min(1), hasMore: fieldPath.optional() }),
    z.strictObject({ style: z.literal('token'), ...pagingCommon, tokenParam: z.string().min(1), next: fieldPath, nextRequired: z.boolean().optional() }),
    z.strictObject({ style: z.literal('keyset'), ...pagingCommon, afterParam: z.string().min(1), afterField: fieldPath, hasMore: fieldPath.optional() }),
  ],
  { error: oneOf('style', PAGING_STYLES) },
);

const listSchema = z.strictObject({
  /** Appended to the source's baseUrl. */
  path: z.string().min(1).max(500).regex(/^\/\S*$/, { error: 'must start with "/" and contain no spaces' }).refine((p) => !p.includes('?'), { error: 'must not contain a query: use list.query' }),
  /** Sent with every list request (sort order, expansions). */
  query: z.record(z.string().min(1), scalar).optional(),
  records: recordsPath,
  paging: pagingSchema,
});

// ---------------------------------------------------------------------------------------------
// sync: every poll a full listing, or "changed since" listings with a full one every N polls

const SYNC_MODES = ['full', 'incremental'] as const;
export const SINCE_FORMATS = ['iso', 'unix', 'unix_ms'] as const;

const syncSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('full') }),
    z.strictObject({
      mode: z.literal('incremental'),
      /** Query parameter of the "changed since" filter. */
      sinceParam: z.string().min(1),
      /** Record field holding when it last changed (vendor clock): the next since, less the source's overlap. */
      updatedField: fieldPath,
      sinceFormat: z.enum(SINCE_FORMATS).default('iso'),
      /** Sent on full listings (the first poll, every fullScanEvery-th); absent: the parameter is left out. */
      initialSince: z.string().min(1).optional(),
      fullScanEvery: int(1, 100_000).default(24),
    }),
  ],
  { error: oneOf('mode', SYNC_MODES) },
);

// ---------------------------------------------------------------------------------------------
// fields: the normalized lead (src/model.ts), each field read from the record

/** A text field: a path (or paths), a join of paths, or the first matching case; else default. */
const textSpec = z.preprocess(
  (v) => (typeof v === 'string' || Array.isArray(v) ? { from: v } : v),
  z
    .strictObject({
      from: paths.optional(),
      join: z.array(fieldPath).min(1).max(10).optional(),
      separator: z.string().max(10).default(' '),
      cases: z
        .array(z.strictObject({ when: fieldPath, equals: scalar.optional(), value: z.string() }))
        .min(1)
        .max(50)
        .optional(),
      /** Vendor value to ours (status codes); unlisted values pass through. */
      values: z.record(z.string(), z.string()).optional(),
      default: z.string().optional(),
    }, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a path, a list of paths, or {from | join | cases, ...}' : undefined) })
    .superRefine((spec, ctx) => {
      const ways = (['from', 'join', 'cases'] as const).filter((k) => spec[k] !== undefined);
      if (ways.length > 1) ctx.addIssue({ code: 'custom', message: `use one of from, join and cases, not ${ways.join(' and ')}` });
      if (ways.length === 0 && spec.default === undefined) ctx.addIssue({ code: 'custom', message: 'needs from, join, cases or default' });
    }),
);

/** A list field (emails, phones, tags): strings or arrays at the paths; `item` reads a field of each element. */
const listSpec = z.preprocess(
  (v) => (typeof v === 'string' || Array.isArray(v) ? { from: v } : v),
  z.strictObject({ from: paths, item: fieldPath.optional() }, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a path, a list of paths, or {from, item}' : undefined) }),
);

const fieldsSchema = z.strictObject({
  name: textSpec.optional(),
  firstName: textSpec.optional(),
  lastName: textSpec.optional(),
  email: textSpec.optional(),
  emails: listSpec.optional(),
  phone: textSpec.optional(),
  phones: listSpec.optional(),
  company: textSpec.optional(),
  status: textSpec.optional(),
  tags: listSpec.optional(),
  /** null when both are null. */
  owner: z.strictObject({ id: textSpec.optional(), name: textSpec.optional() }).optional(),
  createdAt: paths.optional(),
  updatedAt: paths.optional(),
});

// ---------------------------------------------------------------------------------------------

const deletesSchema = z
  .strictObject({
    /** A soft-delete field: the lead is deleted when it equals `equals`, or (without equals) holds any value but false, null, 0 or "". */
    field: fieldPath.optional(),
    equals: scalar.optional(),
    /** Leads two complete full listings in a row did not show are deleted (reason missing), with the mass-delete guard. */
    absence: z.boolean().default(false),
  })
  .refine((d) => d.equals === undefined || d.field !== undefined, { error: 'needs deletes.field, the soft-delete field it is compared with', path: ['equals'] });

const authSchema = z.strictObject({
  /** Header values may use {apiKey} for the source's apiKey (and ${ENV} like any config value). */
  headers: z
    .record(z.string(), z.string().min(1))
    .superRefine((h, ctx) => {
      for (const [name, value] of Object.entries(h)) {
        if (!isValidHeaderName(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
        // Checked after ${ENV} substitution; the value itself is never quoted (it holds a secret).
        const problem = headerValueProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      }
    })
    .optional(),
  /** Query parameters sent with every request; values may use {apiKey}. */
  query: z.record(z.string().min(1), z.string().min(1)).optional(),
});

export const restSchema = z
  .strictObject({
    auth: authSchema.default({}),
    list: listSchema,
    /** Record field holding the lead id (a non-empty string or a number). */
    idField: fieldPath.default('id'),
    sync: syncSchema,
    deletes: deletesSchema.prefault({}),
    fields: fieldsSchema.default({}),
  })
  .superRefine((rest, ctx) => {
    // The relay sets these itself on every request: the same name in list.query would be overwritten.
    const p = rest.list.paging;
    const own = [p.sizeParam, 'pageParam' in p ? p.pageParam : undefined, 'offsetParam' in p ? p.offsetParam : undefined,
      'tokenParam' in p ? p.tokenParam : undefined, 'afterParam' in p ? p.afterParam : undefined,
      rest.sync.mode === 'incremental' ? rest.sync.sinceParam : undefined, ...Object.keys(rest.auth.query ?? {})];
    for (const key of Object.keys(rest.list.query ?? {})) {
      if (own.includes(key)) ctx.addIssue({ code: 'custom', path: ['list', 'query', key], message: 'is set by the paging, sync or auth settings; remove it here' });
    }
  });

export type RestConfig = z.output<typeof restSchema>;
export type RestTextSpec = z.output<typeof textSpec>;
export type RestListSpec = z.output<typeof listSpec>;
