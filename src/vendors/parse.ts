// Small, strict readers for vendor JSON: a malformed page fails with a message naming the field.
import type { Json, JsonObject } from '../model.js';
import { VendorError } from './http.js';

export function asObject(value: unknown, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new VendorError('vendor_bad_response', `${what} must be a JSON object`);
  }
  return value as JsonObject;
}

export function asArray(value: unknown, what: string): Json[] {
  if (!Array.isArray(value)) throw new VendorError('vendor_bad_response', `${what} must be an array`);
  return value as Json[];
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A timestamp normalized to ISO 8601 with milliseconds, or null when absent or unparseable. */
export function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function shiftIso(iso: string, deltaMs: number): string {
  return new Date(Date.parse(iso) + deltaMs).toISOString();
}

/** Latest of some ISO timestamps (all normalized by isoOrNull, so string order is time order). */
export function maxIso(values: ReadonlyArray<string | null | undefined>): string | null {
  let max: string | null = null;
  for (const v of values) if (v && (max === null || v > max)) max = v;
  return max;
}

/** Maps with at most `limit` promises in flight, keeping input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Records with a usable string id, and how many were dropped for lacking one (vendors.md: skip and count). */
export function splitRecords(items: readonly Json[]): { records: JsonObject[]; skipped: number } {
  const records: JsonObject[] = [];
  let skipped = 0;
  for (const r of items) {
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof r.id === 'string' && r.id !== '') records.push(r);
    else skipped++;
  }
  return { records, skipped };
}

/** The non-empty strings of an array value; anything else gives []. */
export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}
