// A record of a `vendor: rest` source as the normalized lead (src/model.ts), read as its `fields:` say.
import type { Json, JsonObject, NormalizedLead } from '../../model.js';
import { getPath } from '../paging.js';
import { isoOrNull } from '../parse.js';
import type { RestConfig, RestListSpec, RestTextSpec } from './schema.js';

/** Text from a value: a non-empty string, a number as written, or the first such element of an array. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = text(v);
      if (t !== null) return t;
    }
  }
  return null;
}

/** "Set": anything but absent, null, false, 0 and "". */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

export function textOf(raw: JsonObject, spec: RestTextSpec | undefined): string | null {
  if (!spec) return null;
  if (spec.from) {
    for (const path of spec.from) {
      const t = text(getPath(raw, path));
      if (t !== null) return spec.values?.[t] ?? t;
    }
  }
  if (spec.join) {
    const parts = spec.join.map((p) => text(getPath(raw, p))).filter((t): t is string => t !== null);
    if (parts.length > 0) return parts.join(spec.separator);
  }
  if (spec.cases) {
    for (const c of spec.cases) {
      const v = getPath(raw, c.when);
      if (c.equals === undefined ? isSet(v) : v === c.equals) return c.value;
    }
  }
  return spec.default ?? null;
}

export function listOf(raw: JsonObject, spec: RestListSpec | undefined): string[] {
  if (!spec) return [];
  const out: string[] = [];
  const take = (v: unknown) => {
    const item = spec.item === undefined ? v : getPath(v, spec.item);
    if (typeof item === 'string' && item !== '') out.push(item);
  };
  for (const path of spec.from) {
    const v = getPath(raw, path);
    if (Array.isArray(v)) v.forEach(take);
    else if (spec.item === undefined) take(v);
  }
  return out;
}

/** An ISO timestamp from the first path holding one; numbers are Unix time (seconds, or ms when past 1e12). */
export function timeOf(raw: JsonObject, from: readonly string[] | undefined): string | null {
  for (const path of from ?? []) {
    const v = getPath(raw, path);
    const iso = typeof v === 'number' && Number.isFinite(v) ? new Date(v > 1e12 ? v : v * 1000).toISOString() : isoOrNull(v);
    if (iso !== null) return iso;
  }
  return null;
}

/** The lead id of a record: a non-empty string, or a finite number written as a string; null skips it. */
export function idOf(raw: JsonObject, idField: string): string | null {
  const v = getPath(raw, idField);
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** The vendor's soft delete, as `deletes.field` (and `equals`) describe it. */
export function softDeleted(raw: JsonObject, deletes: RestConfig['deletes']): boolean {
  if (deletes.field === undefined) return false;
  const v = getPath(raw, deletes.field) as Json | undefined;
  return deletes.equals === undefined ? isSet(v) : v === deletes.equals;
}

export function normalizeRestLead(raw: JsonObject, id: string, sourceId: string, rest: RestConfig): NormalizedLead {
  const f = rest.fields;
  const ownerId = textOf(raw, f.owner?.id);
  const ownerName = textOf(raw, f.owner?.name);
  return {
    id,
    source: sourceId,
    vendor: 'rest',
    name: textOf(raw, f.name),
    firstName: textOf(raw, f.firstName),
    lastName: textOf(raw, f.lastName),
    email: textOf(raw, f.email),
    emails: listOf(raw, f.emails),
    phone: textOf(raw, f.phone),
    phones: listOf(raw, f.phones),
    company: textOf(raw, f.company),
    status: textOf(raw, f.status),
    tags: listOf(raw, f.tags),
    owner: ownerId === null && ownerName === null ? null : { id: ownerId, name: ownerName },
    createdAt: timeOf(raw, f.createdAt),
    updatedAt: timeOf(raw, f.updatedAt),
    deleted: softDeleted(raw, rest.deletes),
    raw,
  };
}
