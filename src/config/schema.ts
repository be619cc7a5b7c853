// The config file's shape: zod schemas and the Config type they produce (z.output; cross-field rules: cross-field.ts; messages: messages.ts).

import { z } from 'zod';
import { DURATION_HINT, formatDuration, parseDuration } from './duration.js';
import { formatProblem, type PathProblem } from './interpolate.js';
import { METRICS_AUTH_MODES, namedTokenSchema, tokenSchema } from './tokens.js';
import { headerValueProblem, isValidHeaderName } from '../util/http-headers.js';
import { parse as parsePgUrl } from 'pg-connection-string';
import { filterSchema, payloadOptionsSchema } from '../filters/schema.js';
import { DEFAULTS, SSL_MODES, booleanSchema, coerceNumber, intSchema, isHttpUrl, nonEmptyString } from './fields.js';
import { humanErrorMap } from './messages.js';
import { crossFieldProblems } from './cross-field.js';
import { VENDORS as VENDOR_ENTRIES, VENDOR_IDS, type VendorId } from '../vendors/registry.js';
import { EVENT_TYPE_FILTERS, type EventTypeFilter } from '../model.js';

export { DEFAULTS, SSL_MODES, urlSslmode, type SslMode } from './fields.js';
export { humanErrorMap } from './messages.js';
export { crossFieldProblems } from './cross-field.js';

// ---------------------------------------------------------------------------------------------
// Types

/** The vendor ids, from the registry (src/vendors/registry.ts). */
export const VENDORS = VENDOR_IDS;
export type Vendor = VendorId;

/** Every vendor's own source fields (src/vendors/<id>/index.ts `settings`) in one shape. */
type VendorSettingsShape = UnionToIntersection<(typeof VENDOR_ENTRIES)[number]['settings']>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The event types and what a subscription's `events` may list: defined once, in src/model.ts. */
export { EVENT_TYPES, EVENT_TYPE_FILTERS, type EventType, type EventTypeFilter } from '../model.js';

export const INITIAL_SYNC_MODES = ['baseline', 'emit'] as const;
export type InitialSyncMode = (typeof INITIAL_SYNC_MODES)[number];

/** pino's levels, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// The config's types are the schemas' output (z.output), defined after configSchema: written once.

// ---------------------------------------------------------------------------------------------
// Building blocks

/** YAML `key:` with nothing after it is null; for whole sections that means "use the defaults". */
const nullAsAbsent = (v: unknown): unknown => (v === null ? undefined : v);

/** A "30s"-style duration, output in ms. YAML numbers are rejected: the unit must be explicit. */
export function durationSchema(opts: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = opts;
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected a duration string like 30s') })
    .transform((s, ctx) => {
      let ms: number;
      try {
        ms = parseDuration(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: `invalid duration: ${DURATION_HINT}` });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
        return z.NEVER;
      }
      if (ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${formatDuration(max)}` });
        return z.NEVER;
      }
      return ms;
    });
}

// Timer-driven durations stay below setTimeout's 2^31-1 ms limit (about 24.8 days).
const TIMER_MAX_MS = 24 * 86_400_000;

const ID_RE = /^[a-z0-9_-]+$/;
const ID_HINT = 'must contain only a-z, 0-9, "-" and "_"';

/** A source id (also the shape of config subscription ids): [a-z0-9_-], 1 to 64 characters. */
export const sourceIdSchema = z.string().min(1).max(64).regex(ID_RE, { error: ID_HINT });

const subscriptionIdSchema = z.string().min(1).max(64).regex(ID_RE, { error: ID_HINT });

/** An absolute http or https URL (a subscriber's endpoint). */
export const webhookUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine(isHttpUrl, { error: 'must be an absolute http or https URL' });

/** A vendor API base URL; trailing slashes are removed because the adapters append paths. */
const baseUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine(isHttpUrl, { error: 'must be an absolute http or https URL' })
  .transform((s) => s.replace(/\/+$/, ''));

const SECRET_PREFIX = 'whsec_';
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** True when `s` is `whsec_` + canonical base64 of 24 to 64 bytes (Standard Webhooks secret). */
export function isValidSecret(s: string): boolean {
  if (!s.startsWith(SECRET_PREFIX)) return false;
  const b64 = s.slice(SECRET_PREFIX.length);
  if (!BASE64_RE.test(b64)) return false;
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 24 || bytes.length > 64) return false;
  // Round-trip so that a typo (dropped or extra character) is caught instead of silently decoding
  // to different bytes; padding may be omitted.
  return bytes.toString('base64').replace(/=+$/, '') === b64.replace(/=+$/, '');
}

/** A subscription signing secret: `whsec_<base64 of 24..64 bytes>`. */
export const secretSchema = z
  .string()
  .refine(isValidSecret, { error: 'must be "whsec_" followed by the base64 of 24 to 64 random bytes' });

/** One entry of a subscription's `events`. */
export const eventTypeFilterSchema = z.enum(EVENT_TYPE_FILTERS);

// ---------------------------------------------------------------------------------------------
// Sections

const serverSchema = z.strictObject({
  host: nonEmptyString.default(DEFAULTS.host),
  port: intSchema(0, 65535).default(DEFAULTS.port),
  adminToken: tokenSchema,
  /** Named tokens with scopes (src/config/tokens.ts); adminToken has every scope. */
  tokens: z.array(namedTokenSchema).max(100).default(() => []),
  /** token: GET /metrics needs a token with the metrics (or read, admin) scope. */
  metricsAuth: z.enum(METRICS_AUTH_MODES).default('none'),
  /** Least severe level logged; LEADRELAY_LOG_LEVEL overrides it. */
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** The operator dashboard at / (false: no dashboard route exists). */
  dashboard: booleanSchema.default(true),
  /** ms a dashboard login lasts (absolute, from the login). At least a minute (a shorter one logs out mid-page); at most 30 days. */
  dashboardSessionTtl: durationSchema({ min: 60_000, max: 30 * 86_400_000 }).prefault('12h'),
});

/** A postgres:// or postgresql:// URL that node-postgres can read (libpq's URL form). */
function isPostgresUrl(s: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(s)) return false;
  try {
    parsePgUrl(s);
    return true;
  } catch {
    return false;
  }
}

const storageSchema = z.strictObject({
  /** SQLite file (used when url is absent). */
  path: nonEmptyString.default(DEFAULTS.storagePath),
  /**
   * Cap on the database file in MB; writes past it fail with storage_full (sync and delivery pause,
   * nothing is lost). SQLite only. At least 1 MB: the empty schema alone takes a few hundred KB.
   */
  maxSizeMb: z.preprocess(coerceNumber, z.number().min(1).max(16_000_000)).optional(),
  /** ms a source's lease lasts without renewal: another replica takes the source over after it (renewed every third of it). */
  leaseTtl: durationSchema({ min: 1000, max: 3_600_000 }).prefault(DEFAULTS.leaseTtl),
  /** postgres:// or postgresql:// URL: PostgreSQL instead of SQLite, shared by any number of replicas. Never echoed in a message: it usually holds the database password. */
  url: z.string().refine(isPostgresUrl, { error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  /** PostgreSQL: most connections per process. */
  poolSize: intSchema(1, 1000).default(DEFAULTS.storagePoolSize),
  /** PostgreSQL: ms a statement may run before the server cancels it (storage_timeout). */
  statementTimeout: durationSchema({ max: TIMER_MAX_MS }).prefault(DEFAULTS.storageStatementTimeout),
  /** PostgreSQL: TLS; absent: the URL's sslmode, else disable. */
  sslmode: z.enum(SSL_MODES).optional(),
});

/** Every vendor's own fields, each optional here (a field two vendors declare is the same schema object). */
function vendorSettingsShape(): { [K in keyof VendorSettingsShape]: z.ZodOptional<VendorSettingsShape[K]> } {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  for (const v of VENDOR_ENTRIES) for (const [field, schema] of Object.entries(v.settings)) shape[field] ??= schema.optional();
  return shape as { [K in keyof VendorSettingsShape]: z.ZodOptional<VendorSettingsShape[K]> };
}

export const sourceSchema = z.strictObject({
  id: sourceIdSchema,
  vendor: z.enum(VENDORS),
  /** http(s) URL without trailing slash. */
  baseUrl: baseUrlSchema,
  apiKey: nonEmptyString,
  /** ms */
  pollInterval: durationSchema({ min: 100, max: TIMER_MAX_MS }).prefault(DEFAULTS.pollInterval),
  initialSync: z.enum(INITIAL_SYNC_MODES).default('baseline'),
  /** ms the incremental cursor is moved back on each query. */
  overlap: durationSchema({ max: TIMER_MAX_MS }).prefault(DEFAULTS.overlap),
  pageSize: intSchema(1, 1000).optional(),
  /** ms one vendor request may take, headers and body. */
  requestTimeout: durationSchema({ min: 100, max: TIMER_MAX_MS }).prefault('30s'),
  /** Largest vendor response body read, in MB; a larger one fails the request (vendor_response_too_large). */
  maxResponseMb: z.preprocess(coerceNumber, z.number().min(1).max(1024)).default(32),
  /** Retries of one failed vendor request (429, 5xx, network) within a sync run. */
  maxRetries: intSchema(0, 20).default(4),
  /** Request budget: at most `requests` per `per` ms, for each entry. Default: the vendor's documented limits. */
  rateLimits: z
    .array(z.strictObject({ requests: intSchema(1, 1_000_000), per: durationSchema({ min: 1, max: TIMER_MAX_MS }) }))
    .max(5)
    .optional(),
  /** Largest share (0..1) of a source's live leads one complete scan may delete; more is held. */
  maxDeleteShare: z.preprocess(coerceNumber, z.number().min(0).max(1)).default(0.2),
  enabled: booleanSchema.default(true),
  ...vendorSettingsShape(),
});

export const subscriptionSchema = z.strictObject({
  id: subscriptionIdSchema,
  url: webhookUrlSchema,
  secret: secretSchema.optional(),
  events: z.array(eventTypeFilterSchema).min(1).default((): EventTypeFilter[] => ['*']),
  sources: z.array(sourceIdSchema).min(1).optional(),
  description: z.string().max(1000).optional(),
  /** Static request headers sent with every webhook (e.g. Authorization); secret values. */
  headers: z.lazy(() => subscriptionHeadersSchema).optional(),
  maxPerSecond: z.preprocess(coerceNumber, z.number().gt(0).max(10_000)).optional(),
  maxConcurrency: intSchema(1, 1000).optional(),
  /** Content filter (docs/filters.md), checked by src/filters. */
  filter: filterSchema.optional(),
  /** Compact payloads. */
  payload: payloadOptionsSchema.optional(),
  enabled: booleanSchema.default(true),
});

/** Headers leadrelay sets itself: a subscription may not override them. */
const RESERVED_HEADERS = new Set([
  'content-type', 'content-length', 'host', 'user-agent', 'connection', 'transfer-encoding', 'keep-alive',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'expect', 'upgrade', 'te', 'trailer',
]);
/** Static headers for receivers that authenticate by header (n8n header auth, API keys). */
export const subscriptionHeadersSchema = z
  .record(
    z
      .string()
      .refine(isValidHeaderName, { error: 'is not a valid header name' })
      .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), { error: 'is set by leadrelay itself and cannot be overridden' }),
    // Saved only if undici can send it: otherwise every attempt would fail (UND_ERR_INVALID_ARG).
    z
      .string()
      .min(1)
      .max(4000)
      .superRefine((v, ctx) => {
        const problem = headerValueProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  )
  .refine((h) => Object.keys(h).length <= 20, { error: 'must have at most 20 headers' });

const deliverySchema = z.strictObject({
  /** ms per attempt */
  timeout: durationSchema({ min: 1, max: TIMER_MAX_MS }).prefault(DEFAULTS.timeout),
  /** ms to wait after each failed attempt; when exhausted the delivery fails. */
  retrySchedule: z.array(durationSchema()).max(100).prefault([...DEFAULTS.retrySchedule]),
  allowPrivateTargets: booleanSchema.default(false),
  /** Global maximum of attempts in flight. */
  concurrency: intSchema(1, 10_000).default(DEFAULTS.concurrency),
  /** Maximum attempts in flight to one subscription. */
  perSubscriptionConcurrency: intSchema(1, 10_000).default(DEFAULTS.perSubscriptionConcurrency),
  /** ms the old secret keeps signing after a rotation. */
  secretRotationGrace: durationSchema({ max: TIMER_MAX_MS * 30 }).prefault('24h'),
  /** ms a subscription may fail without a single success before it is disabled. */
  autoDisableAfter: durationSchema({ min: 1000, max: TIMER_MAX_MS * 30 }).prefault('5d'),
  /** Consecutive failed attempts that open an endpoint's circuit (pause it, then probe). */
  circuitBreakerAfter: intSchema(1, 10_000).default(5),
  /** ms the circuit stays open at first; doubles with each failed probe, up to 32x. */
  circuitBreakerCooldown: durationSchema({ min: 1, max: TIMER_MAX_MS }).prefault('30s'),
  /**
   * ms finished deliveries (with their attempts) and the events no delivery needs are kept. At least
   * an hour: the pruner runs hourly, and 0 ("keep nothing") would delete the log a failed delivery
   * needs for a manual retry before anyone could look at it.
   */
  retention: durationSchema({ min: 3_600_000 }).prefault('30d'),
  /** Most subscriptions there may be (config file, API and REST hooks together). */
  maxSubscriptions: intSchema(1, 100_000).default(DEFAULTS.maxSubscriptions),
});

/** Structure only; the cross-field rules are in `crossFieldProblems`. */
const configShapeSchema = z.strictObject({
  server: z.preprocess(nullAsAbsent, serverSchema),
  // prefault (not default): the {} goes through the section schema, so its own defaults apply.
  storage: z.preprocess(nullAsAbsent, storageSchema.prefault({})),
  sources: z.preprocess(nullAsAbsent, z.array(sourceSchema).default(() => [])),
  subscriptions: z.preprocess(nullAsAbsent, z.array(subscriptionSchema).default(() => [])),
  delivery: z.preprocess(nullAsAbsent, deliverySchema.prefault({})),
});

/** The whole config file: structure plus the cross-field rules. */
export const configSchema = configShapeSchema.superRefine((value, ctx) => {
  for (const p of crossFieldProblems(value)) {
    ctx.addIssue({ code: 'custom', message: p.message, path: [...p.path] });
  }
});

/** The config as loaded: what the schemas produce (defaults filled in, durations in ms). */
export type Config = z.output<typeof configSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
export type SubscriptionConfig = z.output<typeof subscriptionSchema>;

export type ValidationResult = { ok: true; config: Config } | { ok: false; problems: PathProblem[] };

/** Validates an already parsed and interpolated tree; on failure returns every problem found. */
export function validateConfig(raw: unknown): ValidationResult {
  // An empty file parses to null; treat it as an empty mapping so the user sees what is missing.
  const input = raw === null || raw === undefined ? {} : raw;
  const parsed = configShapeSchema.safeParse(input, { error: humanErrorMap });
  const problems: PathProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((iss) => ({ path: iss.path.map((k) => (typeof k === 'number' ? k : String(k))), message: iss.message }));
  problems.push(...crossFieldProblems(input));
  if (parsed.success && problems.length === 0) return { ok: true, config: parsed.data };
  return { ok: false, problems };
}

/** Formats zod issues the way config problems are shown: `path: message`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((iss) => formatProblem({ path: iss.path.map((k) => (typeof k === 'number' ? k : String(k))), message: iss.message }));
}
