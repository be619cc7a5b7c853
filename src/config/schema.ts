// The config file's shape: zod schemas, the Config type they produce, and human error messages.

import { z } from 'zod';
import { DURATION_HINT, formatDuration, parseDuration } from './duration.js';
import { formatProblem, type PathProblem } from './interpolate.js';
import { isLocalHostname, isPrivateAddress } from '../util/addresses.js';
import { METRICS_AUTH_MODES, namedTokenSchema, tokenProblems, tokenSchema, type MetricsAuthMode, type NamedToken } from './tokens.js';
import { headerValueProblem, isValidHeaderName } from '../util/http-headers.js';
import { parse as parsePgUrl } from 'pg-connection-string';
import { filterSchema, payloadOptionsSchema } from '../filters/schema.js';
import type { PayloadOptions } from '../model.js';
import { restSchema, type RestConfig } from '../vendors/rest/schema.js';

// ---------------------------------------------------------------------------------------------
// Types

export const VENDORS = ['apten', 'nexus-erp', 'penguinmails', 'mega', 'rest'] as const;
export type Vendor = (typeof VENDORS)[number];

/** The concrete event types a webhook can carry. */
export const EVENT_TYPES = ['lead.created', 'lead.updated', 'lead.deleted', 'event.added', 'event.updated'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a subscription's `events` may list: a concrete type, a family wildcard, or everything. */
export const EVENT_TYPE_FILTERS = [...EVENT_TYPES, 'lead.*', 'event.*', '*'] as const;
export type EventTypeFilter = (typeof EVENT_TYPE_FILTERS)[number];

export const INITIAL_SYNC_MODES = ['baseline', 'emit'] as const;
export type InitialSyncMode = (typeof INITIAL_SYNC_MODES)[number];

/** pino's levels, most verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** TLS to PostgreSQL, libpq's meanings (prefer and allow would fall back to plain text: not offered). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SourceConfig {
  id: string;
  vendor: Vendor;
  /** http(s) URL without trailing slash. */
  baseUrl: string;
  apiKey: string;
  /** ms */
  pollInterval: number;
  initialSync: InitialSyncMode;
  /** ms the incremental cursor is moved back on each query. */
  overlap: number;
  pageSize?: number;
  /** ms one vendor request may take, headers and body. */
  requestTimeout: number;
  /** Largest vendor response body read, in MB; a larger one fails the request (vendor_response_too_large). */
  maxResponseMb: number;
  /** Retries of one failed vendor request (429, 5xx, network) within a sync run. */
  maxRetries: number;
  /** Request budget: at most `requests` per `per` ms, for each entry. Default: the vendor's documented limits. */
  rateLimits?: Array<{ requests: number; per: number }>;
  /** Largest share (0..1) of a source's live leads one complete scan may delete; more is held. */
  maxDeleteShare: number;
  /** mega only: every how many polls the incremental sync is replaced by a full scan (absence checks). */
  fullScanEvery?: number;
  /** penguinmails only: unchanged leads whose details (attributes, activity) are re-read per poll, budget permitting. */
  detailRefreshPerPoll?: number;
  /** penguinmails only (required there). */
  workspace?: string;
  /** mega only (required there). */
  customerId?: string;
  /** rest only (required there): the vendor described as data (src/vendors/rest/README.md). */
  rest?: RestConfig;
  enabled: boolean;
}

export interface SubscriptionConfig {
  id: string;
  url: string;
  secret?: string;
  events: EventTypeFilter[];
  sources?: string[];
  description?: string;
  /** Static request headers sent with every webhook (e.g. Authorization); secret values. */
  headers?: Record<string, string>;
  maxPerSecond?: number;
  maxConcurrency?: number;
  /** Content filter (docs/filters.md), checked by src/filters. */
  filter?: Record<string, unknown>;
  /** Compact payloads. */
  payload?: PayloadOptions;
  enabled: boolean;
}

export interface Config {
  server: {
    host: string;
    port: number;
    adminToken: string;
    /** Named tokens with scopes (src/config/tokens.ts); adminToken has every scope. */
    tokens: NamedToken[];
    /** token: GET /metrics needs a token with the metrics (or read, admin) scope. */
    metricsAuth: MetricsAuthMode;
    /** Least severe level logged; LEADRELAY_LOG_LEVEL overrides it. */
    logLevel: LogLevel;
    /** The operator dashboard at / (false: no dashboard route exists). */
    dashboard: boolean;
    /** ms a dashboard login lasts (absolute, from the login). */
    dashboardSessionTtl: number;
  };
  storage: {
    /** SQLite file (used when url is absent). */
    path: string;
    /** Cap on the database file in MB; writes past it fail with storage_full (sync and delivery pause, nothing is lost). SQLite only. */
    maxSizeMb?: number;
    /** ms a source's lease lasts without renewal: another replica takes the source over after it. */
    leaseTtl: number;
    /** postgres:// or postgresql:// URL: PostgreSQL instead of SQLite, shared by any number of replicas. */
    url?: string;
    /** PostgreSQL: most connections per process. */
    poolSize: number;
    /** PostgreSQL: ms a statement may run before the server cancels it (storage_timeout). */
    statementTimeout: number;
    /** PostgreSQL: TLS; absent: the URL's sslmode, else disable. */
    sslmode?: SslMode;
  };
  sources: SourceConfig[];
  subscriptions: SubscriptionConfig[];
  delivery: {
    /** ms per attempt */
    timeout: number;
    /** ms to wait after each failed attempt; when exhausted the delivery fails. */
    retrySchedule: number[];
    allowPrivateTargets: boolean;
    /** Global maximum of attempts in flight. */
    concurrency: number;
    /** Maximum attempts in flight to one subscription. */
    perSubscriptionConcurrency: number;
    /** ms the old secret keeps signing after a rotation. */
    secretRotationGrace: number;
    /** ms a subscription may fail without a single success before it is disabled. */
    autoDisableAfter: number;
    /** Consecutive failed attempts that open an endpoint's circuit (pause it, then probe). */
    circuitBreakerAfter: number;
    /** ms the circuit stays open at first; doubles with each failed probe, up to 32x. */
    circuitBreakerCooldown: number;
    /** ms finished deliveries (with their attempts) and the events no delivery needs are kept. */
    retention: number;
    /** Most subscriptions there may be (config file, API and REST hooks together). */
    maxSubscriptions: number;
  };
}

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 8080,
  storagePath: './data/leadrelay.db',
  leaseTtl: '30s',
  storagePoolSize: 10,
  storageStatementTimeout: '30s',
  pollInterval: '60s',
  overlap: '2s',
  timeout: '15s',
  retrySchedule: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
  concurrency: 32,
  perSubscriptionConcurrency: 8,
  maxSubscriptions: 1000,
} as const;

// ---------------------------------------------------------------------------------------------
// Human error messages. Messages name what is wrong, never the offending value: config values
// include secrets (apiKey, adminToken, secret), and error text ends up in logs and terminals.

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  return typeof v;
}

function sizeMessage(kind: 'small' | 'big', origin: string, bound: number | bigint, inclusive: boolean | undefined): string {
  const n = Number(bound);
  if (origin === 'string' || origin === 'array' || origin === 'set') {
    const unit = origin === 'string' ? 'character' : 'item';
    if (kind === 'small' && n === 1) return 'must not be empty';
    const limit = inclusive === false ? (kind === 'small' ? n + 1 : n - 1) : n;
    return `must have ${kind === 'small' ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`;
  }
  if (inclusive === false) return `must be ${kind === 'small' ? 'greater' : 'less'} than ${n}`;
  return `must be ${kind === 'small' ? 'at least' : 'at most'} ${n}`;
}

/**
 * zod error map producing the messages the config contract promises: `required`,
 * `expected number, got string`, `unknown key "prot"`, `must be one of a, b`. Shared with the
 * admin API so that both report bad input the same way.
 */
export const humanErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      if (iss.expected === 'int') return 'expected an integer';
      if (iss.expected === 'number' && typeof iss.input === 'number') return 'expected a finite number';
      return `expected ${iss.expected}, got ${describeType(iss.input)}`;
    case 'unrecognized_keys':
      return iss.keys.length === 1
        ? `unknown key ${JSON.stringify(iss.keys[0])}`
        : `unknown keys ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      if (iss.input === undefined) return 'required';
      return `must be one of ${iss.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      if (iss.origin === 'number' && iss.minimum === Number.MIN_SAFE_INTEGER) return 'expected a safe integer';
      return sizeMessage('small', iss.origin, iss.minimum, iss.inclusive);
    case 'too_big':
      if (iss.origin === 'number' && iss.maximum === Number.MAX_SAFE_INTEGER) return 'expected a safe integer';
      return sizeMessage('big', iss.origin, iss.maximum, iss.inclusive);
    case 'invalid_format':
      return iss.format === 'regex' ? 'has an invalid format' : `must be a valid ${iss.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    case 'custom':
      return iss.message ?? 'is invalid';
    default:
      return 'is invalid';
  }
};

// ---------------------------------------------------------------------------------------------
// Building blocks

/** YAML `key:` with nothing after it is null; for whole sections that means "use the defaults". */
const nullAsAbsent = (v: unknown): unknown => (v === null ? undefined : v);

// Values substituted from the environment are always strings, so `port: ${PORT:-8080}` must
// work; only canonical decimal numbers / true|false are accepted, anything else stays a type error.
const NUMERIC_RE = /^-?\d+(?:\.\d+)?$/;
const coerceNumber = (v: unknown): unknown => (typeof v === 'string' && NUMERIC_RE.test(v.trim()) ? Number(v.trim()) : v);
const coerceBoolean = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : v;
};

function intSchema(min: number, max: number) {
  return z.preprocess(coerceNumber, z.number().int().min(min).max(max));
}

const booleanSchema = z.preprocess(coerceBoolean, z.boolean());

const nonEmptyString = z.string().min(1);

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

function isHttpUrl(s: string): boolean {
  if (/\s/.test(s) || !URL.canParse(s)) return false;
  const u = new URL(s);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

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

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

// ---------------------------------------------------------------------------------------------
// Sections

const serverSchema = z.strictObject({
  host: nonEmptyString.default(DEFAULTS.host),
  port: intSchema(0, 65535).default(DEFAULTS.port),
  adminToken: tokenSchema,
  tokens: z.array(namedTokenSchema).max(100).default(() => []),
  metricsAuth: z.enum(METRICS_AUTH_MODES).default('none'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  dashboard: booleanSchema.default(true),
  // At least a minute (a shorter one logs out mid-page); at most 30 days.
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

/** The sslmode query parameter of a URL, if any (the URL may not be a WHATWG URL: read the query only). */
export function urlSslmode(url: string): string | undefined {
  const q = url.indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams(url.slice(q + 1)).get('sslmode') ?? undefined);
}

const storageSchema = z.strictObject({
  path: nonEmptyString.default(DEFAULTS.storagePath),
  // At least 1 MB: the empty schema alone takes a few hundred KB.
  maxSizeMb: z.preprocess(coerceNumber, z.number().min(1).max(16_000_000)).optional(),
  // Replicas: a source's poller holds its lease this long without renewal (renewed every third of it).
  leaseTtl: durationSchema({ min: 1000, max: 3_600_000 }).prefault(DEFAULTS.leaseTtl),
  // Never echoed in a message: it usually holds the database password.
  url: z.string().refine(isPostgresUrl, { error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  poolSize: intSchema(1, 1000).default(DEFAULTS.storagePoolSize),
  statementTimeout: durationSchema({ max: TIMER_MAX_MS }).prefault(DEFAULTS.storageStatementTimeout),
  sslmode: z.enum(SSL_MODES).optional(),
});

export const sourceSchema = z.strictObject({
  id: sourceIdSchema,
  vendor: z.enum(VENDORS),
  baseUrl: baseUrlSchema,
  apiKey: nonEmptyString,
  pollInterval: durationSchema({ min: 100, max: TIMER_MAX_MS }).prefault(DEFAULTS.pollInterval),
  initialSync: z.enum(INITIAL_SYNC_MODES).default('baseline'),
  overlap: durationSchema({ max: TIMER_MAX_MS }).prefault(DEFAULTS.overlap),
  pageSize: intSchema(1, 1000).optional(),
  requestTimeout: durationSchema({ min: 100, max: TIMER_MAX_MS }).prefault('30s'),
  maxResponseMb: z.preprocess(coerceNumber, z.number().min(1).max(1024)).default(32),
  maxRetries: intSchema(0, 20).default(4),
  rateLimits: z
    .array(z.strictObject({ requests: intSchema(1, 1_000_000), per: durationSchema({ min: 1, max: TIMER_MAX_MS }) }))
    .max(5)
    .optional(),
  maxDeleteShare: z.preprocess(coerceNumber, z.number().min(0).max(1)).default(0.2),
  fullScanEvery: intSchema(1, 100_000).optional(),
  detailRefreshPerPoll: intSchema(0, 10_000).optional(),
  workspace: nonEmptyString.max(200).optional(),
  customerId: z.string().regex(UUID_RE, { error: 'must be a UUID' }).optional(),
  rest: restSchema.optional(),
  enabled: booleanSchema.default(true),
});

export const subscriptionSchema = z.strictObject({
  id: subscriptionIdSchema,
  url: webhookUrlSchema,
  secret: secretSchema.optional(),
  events: z.array(eventTypeFilterSchema).min(1).default((): EventTypeFilter[] => ['*']),
  sources: z.array(sourceIdSchema).min(1).optional(),
  description: z.string().max(1000).optional(),
  headers: z.lazy(() => subscriptionHeadersSchema).optional(),
  maxPerSecond: z.preprocess(coerceNumber, z.number().gt(0).max(10_000)).optional(),
  maxConcurrency: intSchema(1, 1000).optional(),
  filter: filterSchema.optional(),
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
  timeout: durationSchema({ min: 1, max: TIMER_MAX_MS }).prefault(DEFAULTS.timeout),
  retrySchedule: z.array(durationSchema()).max(100).prefault([...DEFAULTS.retrySchedule]),
  allowPrivateTargets: booleanSchema.default(false),
  concurrency: intSchema(1, 10_000).default(DEFAULTS.concurrency),
  perSubscriptionConcurrency: intSchema(1, 10_000).default(DEFAULTS.perSubscriptionConcurrency),
  secretRotationGrace: durationSchema({ max: TIMER_MAX_MS * 30 }).prefault('24h'),
  autoDisableAfter: durationSchema({ min: 1000, max: TIMER_MAX_MS * 30 }).prefault('5d'),
  circuitBreakerAfter: intSchema(1, 10_000).default(5),
  circuitBreakerCooldown: durationSchema({ min: 1, max: TIMER_MAX_MS }).prefault('30s'),
  // At least an hour: the pruner runs hourly, and 0 ("keep nothing") would delete the log a
  // failed delivery needs for a manual retry before anyone could look at it.
  retention: durationSchema({ min: 3_600_000 }).prefault('30d'),
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

// ---------------------------------------------------------------------------------------------
// Rules spanning several fields. They look at the raw (interpolated) tree defensively, so they
// run and report even when other parts of the file are broken: every problem, in one go.

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const VENDOR_ONLY_FIELDS: readonly { field: string; vendors: readonly Vendor[]; required: boolean }[] = [
  { field: 'workspace', vendors: ['penguinmails'], required: true },
  { field: 'customerId', vendors: ['mega'], required: true },
  { field: 'fullScanEvery', vendors: ['apten', 'mega'], required: false },
  { field: 'rest', vendors: ['rest'], required: true },
  { field: 'detailRefreshPerPoll', vendors: ['penguinmails'], required: false },
];

function duplicateIdProblems(list: unknown, section: string): PathProblem[] {
  const problems: PathProblem[] = [];
  if (!Array.isArray(list)) return problems;
  const firstIndex = new Map<string, number>();
  list.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.id !== 'string') return;
    const first = firstIndex.get(entry.id);
    if (first === undefined) firstIndex.set(entry.id, i);
    else problems.push({ path: [section, i, 'id'], message: `duplicate id, already used by ${section}[${first}]` });
  });
  return problems;
}

/**
 * With allowPrivateTargets false, a subscription URL naming a private address or localhost is a
 * config error. Host names are resolved and checked when a delivery connects.
 */
function privateTargetProblems(raw: Record<string, unknown>): PathProblem[] {
  const delivery = raw.delivery;
  const allow = isRecord(delivery) ? delivery.allowPrivateTargets : undefined;
  if (allow === true || allow === 'true' || !Array.isArray(raw.subscriptions)) return [];
  const problems: PathProblem[] = [];
  raw.subscriptions.forEach((sub, i) => {
    if (!isRecord(sub) || typeof sub.url !== 'string' || !isHttpUrl(sub.url)) return;
    const host = new URL(sub.url).hostname.replace(/^\[|\]$/g, '');
    if (isPrivateAddress(host) || isLocalHostname(host)) {
      problems.push({
        path: ['subscriptions', i, 'url'],
        message: 'is a private or loopback address; set delivery.allowPrivateTargets: true to allow it',
      });
    }
  });
  return problems;
}

/** The file alone must leave the cap room: config subscriptions count like any other. */
function subscriptionCapProblems(raw: Record<string, unknown>): PathProblem[] {
  const set = isRecord(raw.delivery) ? coerceNumber(raw.delivery.maxSubscriptions) : undefined;
  const max = set === undefined || set === null ? DEFAULTS.maxSubscriptions : set;
  const count = Array.isArray(raw.subscriptions) ? raw.subscriptions.length : 0;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || count <= max) return []; // a bad value is reported on its own
  return [{ path: ['subscriptions'], message: `has ${count} entries, more than delivery.maxSubscriptions (${max})` }];
}

/** SQLite (path) or PostgreSQL (url), each with only its own keys. */
function storageProblems(storage: unknown): PathProblem[] {
  if (!isRecord(storage)) return [];
  const set = (k: string) => storage[k] !== undefined && storage[k] !== null;
  const problems: PathProblem[] = [];
  if (set('url')) {
    if (set('path')) {
      problems.push({ path: ['storage'], message: 'sets both storage.path (SQLite) and storage.url (PostgreSQL); keep the one to use' });
    }
    if (set('maxSizeMb')) problems.push({ path: ['storage', 'maxSizeMb'], message: 'only applies to SQLite (storage.path), not with storage.url' });
    const inUrl = typeof storage.url === 'string' ? urlSslmode(storage.url) : undefined;
    if (inUrl !== undefined && !(SSL_MODES as readonly string[]).includes(inUrl)) {
      problems.push({ path: ['storage', 'url'], message: `has an sslmode that is not one of ${SSL_MODES.join(', ')} (prefer and allow are not supported)` });
    } else if (inUrl !== undefined && (SSL_MODES as readonly unknown[]).includes(storage.sslmode) && storage.sslmode !== inUrl) {
      problems.push({ path: ['storage', 'sslmode'], message: 'differs from the sslmode in storage.url; set it in one place' });
    }
    const mode = storage.sslmode ?? inUrl;
    if (mode === 'verify-ca' && typeof storage.url === 'string' && !/[?&]sslrootcert=/.test(storage.url)) {
      problems.push({ path: ['storage', 'url'], message: 'needs sslrootcert=<CA certificate file> for sslmode verify-ca' });
    }
  } else {
    for (const key of ['poolSize', 'statementTimeout', 'sslmode']) {
      if (set(key)) problems.push({ path: ['storage', key], message: 'only applies to PostgreSQL (storage.url)' });
    }
  }
  return problems;
}

export function crossFieldProblems(raw: unknown): PathProblem[] {
  const problems: PathProblem[] = [];
  if (!isRecord(raw)) return problems;
  const { sources, subscriptions } = raw;
  problems.push(...tokenProblems(raw.server));
  problems.push(...storageProblems(raw.storage));

  problems.push(...duplicateIdProblems(sources, 'sources'));
  if (Array.isArray(sources)) {
    sources.forEach((src, i) => {
      if (!isRecord(src) || typeof src.vendor !== 'string' || !(VENDORS as readonly string[]).includes(src.vendor)) return;
      for (const { field, vendors, required } of VENDOR_ONLY_FIELDS) {
        const present = src[field] !== undefined && src[field] !== null;
        const applies = vendors.includes(src.vendor as Vendor);
        if (applies && !present && required) {
          problems.push({ path: ['sources', i, field], message: `required for vendor ${src.vendor}` });
        } else if (!applies && present) {
          problems.push({ path: ['sources', i, field], message: `only used by vendor ${vendors.join(' and ')}` });
        }
      }
    });
  }

  problems.push(...duplicateIdProblems(subscriptions, 'subscriptions'));
  problems.push(...privateTargetProblems(raw));
  problems.push(...subscriptionCapProblems(raw));
  if (Array.isArray(subscriptions)) {
    const known = new Set<string>();
    const sourcesUsable = sources === undefined || sources === null || Array.isArray(sources);
    if (Array.isArray(sources)) {
      for (const src of sources) if (isRecord(src) && typeof src.id === 'string') known.add(src.id);
    }
    subscriptions.forEach((sub, i) => {
      if (!sourcesUsable || !isRecord(sub) || !Array.isArray(sub.sources)) return;
      sub.sources.forEach((ref, j) => {
        if (typeof ref === 'string' && !known.has(ref)) {
          problems.push({ path: ['subscriptions', i, 'sources', j], message: 'is not the id of a configured source' });
        }
      });
    });
  }
  return problems;
}

/** The whole config file: structure plus the cross-field rules. */
export const configSchema = configShapeSchema.superRefine((value, ctx) => {
  for (const p of crossFieldProblems(value)) {
    ctx.addIssue({ code: 'custom', message: p.message, path: [...p.path] });
  }
});

// Compile-time guarantee that the schema produces exactly the documented Config type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _configTypeMatches: Same<z.output<typeof configSchema>, Config> = true;
void _configTypeMatches;

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
