// Stable serialization and content hashes: key order never counts as a change.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth; undefined members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/** Dotted paths where two JSON values differ; arrays compare as a whole (their path is the array's). */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const out: string[] = [];
  collectChanges(before, after, prefix, out);
  return out;
}

// Leaves are compared without serializing them, and paths gather in one array: sorting keys and
// stringifying every field of both versions, and concatenating the arrays of every level, was a
// quarter of the work of announcing an updated Apten lead (BENCHMARKS.md "Sync optimizations").
function collectChanges(before: unknown, after: unknown, prefix: string, out: string[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = Object.keys(before);
    const inBefore = new Set(keys);
    for (const key of Object.keys(after)) if (!inBefore.has(key)) keys.push(key);
    keys.sort();
    for (const key of keys) collectChanges(before[key], after[key], prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  const same = isScalar(before) && isScalar(after) ? jsonScalar(before) === jsonScalar(after) : canonicalJson(before ?? null) === canonicalJson(after ?? null);
  if (!same) out.push(prefix);
}

type Scalar = string | number | boolean | null | undefined;

function isScalar(value: unknown): value is Scalar {
  const t = typeof value;
  return value === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined';
}

/** A scalar as JSON sees it: undefined and non-finite numbers are null, -0 is 0 (=== already equates them). */
function jsonScalar(value: Scalar): Scalar {
  return value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? null : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
