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
