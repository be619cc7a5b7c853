// Query and JSON-body checks for the PenguinMails routes; each failure becomes a 400 {success:false, error}.
import type { Json } from '../../../model.js';
import { LEAD_STATUSES, type PenguinMailsLeadPatch, type PenguinMailsLeadStatus } from './types.js';

/** A client mistake answered with 400. */
export class BadRequest extends Error {}

export const DEFAULT_LIMIT = 50;
// The docs give only the default; 100 is the page size the relay plans with (../README.md "The vendor's API"), so larger asks are clamped to it.
export const MAX_LIMIT = 100;

// Empty values (`status=&search=`) count as absent: form-built query strings send them routinely.
function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function parseLimit(value: string | undefined): number {
  const v = present(value);
  if (v === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new BadRequest('limit must be a positive integer');
  return Math.min(Number(v), MAX_LIMIT);
}

export function parseOffset(value: string | undefined): number {
  const v = present(value);
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new BadRequest('offset must be a non-negative integer');
  return Number(v);
}

export function parseStatus(value: string | undefined): PenguinMailsLeadStatus | undefined {
  const v = present(value);
  if (v === undefined) return undefined;
  if (!isStatus(v)) throw new BadRequest(`status must be one of ${LEAD_STATUSES.join(', ')}`);
  return v;
}

export function parseSearch(value: string | undefined): string | undefined {
  const v = present(value)?.trim().toLowerCase();
  return v === '' ? undefined : v;
}

export function isStatus(value: unknown): value is PenguinMailsLeadStatus {
  return typeof value === 'string' && (LEAD_STATUSES as readonly string[]).includes(value);
}

export interface CreateLeadBody {
  workspace_slug: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
}

/** POST body as in the docs' example; fields it does not show are ignored, as most JSON APIs do. */
export function parseCreateBody(body: unknown): CreateLeadBody {
  const o = object(body);
  if (o.workspace_slug === undefined || o.workspace_slug === '') throw new BadRequest('workspace_slug is required');
  if (typeof o.workspace_slug !== 'string') throw new BadRequest('workspace_slug must be a string');
  return {
    workspace_slug: o.workspace_slug,
    email: email(o.email),
    first_name: optionalString(o, 'first_name'),
    last_name: optionalString(o, 'last_name'),
    company: optionalString(o, 'company'),
  };
}

/** PATCH body: `status` and `attributes` as in the docs, plus the row's own fields ("lead information"). */
export function parsePatchBody(body: unknown): PenguinMailsLeadPatch {
  const o = object(body);
  const patch: PenguinMailsLeadPatch = {};
  if (o.status !== undefined) {
    if (!isStatus(o.status)) throw new BadRequest(`status must be one of ${LEAD_STATUSES.join(', ')}`);
    patch.status = o.status;
  }
  if (o.attributes !== undefined) {
    if (o.attributes === null || typeof o.attributes !== 'object' || Array.isArray(o.attributes)) {
      throw new BadRequest('attributes must be an object');
    }
    patch.attributes = o.attributes as { [key: string]: Json };
  }
  if (o.email !== undefined) patch.email = email(o.email);
  for (const key of ['first_name', 'last_name', 'company'] as const) {
    if (o[key] !== undefined) patch[key] = optionalString(o, key);
  }
  return patch;
}

function object(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function email(value: unknown): string {
  if (value === undefined || value === null || value === '') throw new BadRequest('email is required');
  // Deliberately loose: one @ with something on both sides, no spaces. The vendor's exact rule is unknown.
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(value)) throw new BadRequest('email is invalid');
  return value;
}

function optionalString(o: Record<string, unknown>, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new BadRequest(`${key} must be a string`);
  return v;
}
