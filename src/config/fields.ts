// Building blocks of config field schemas, shared by src/config/schema.ts and the vendors' own
// settings (src/vendors/<id>/index.ts), so a vendor-only field reads a value the way every other does.
import { z } from 'zod';

// Values substituted from the environment are always strings, so `port: ${PORT:-8080}` must
// work; only canonical decimal numbers / true|false are accepted, anything else stays a type error.
const NUMERIC_RE = /^-?\d+(?:\.\d+)?$/;
export const coerceNumber = (v: unknown): unknown => (typeof v === 'string' && NUMERIC_RE.test(v.trim()) ? Number(v.trim()) : v);
export const coerceBoolean = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : v;
};

export function intSchema(min: number, max: number) {
  return z.preprocess(coerceNumber, z.number().int().min(min).max(max));
}

export const booleanSchema = z.preprocess(coerceBoolean, z.boolean());

export const nonEmptyString = z.string().min(1);

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const uuidSchema = z.string().regex(UUID_RE, { error: 'must be a UUID' });

/** TLS to PostgreSQL, libpq's meanings (prefer and allow would fall back to plain text: not offered). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The sslmode query parameter of a URL, if any (the URL may not be a WHATWG URL: read the query only). */
export function urlSslmode(url: string): string | undefined {
  const q = url.indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams(url.slice(q + 1)).get('sslmode') ?? undefined);
}

/** Defaults the schemas (and the cross-field rules) share. */
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

/** An absolute http or https URL with a host, without whitespace. */
export function isHttpUrl(s: string): boolean {
  if (/\s/.test(s) || !URL.canParse(s)) return false;
  const u = new URL(s);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}
