// Checks on control-method inputs (createLead fields, updateLead patches) so tests cannot build states the vendor could not hold.
import type { JsonObject } from '../../../model.js';
import { isStatus } from './validate.js';
import type { PenguinMailsLeadPatch, PenguinMailsLeadStatus } from './types.js';

/** What createLead accepts, by the vendor's own field names. */
export interface LeadOverrides {
  id?: string;
  email?: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  status?: PenguinMailsLeadStatus;
  created_at?: string;
  attributes?: JsonObject;
}

const OVERRIDABLE = new Set(['id', 'email', 'first_name', 'last_name', 'company', 'status', 'created_at', 'attributes']);
const PATCHABLE = new Set(['email', 'first_name', 'last_name', 'company', 'status', 'attributes']);

// Unknown keys throw rather than vanish: a typo such as `firstName` would otherwise pass silently.
export function leadOverrides(fields: Record<string, unknown>): LeadOverrides {
  for (const key of Object.keys(fields)) {
    if (!OVERRIDABLE.has(key)) throw new Error(`createLead: unknown PenguinMails lead field ${key}`);
  }
  const out: LeadOverrides = {};
  for (const key of ['id', 'email', 'created_at'] as const) {
    const v = fields[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new Error(`createLead: ${key} must be a non-empty string`);
    out[key] = v;
  }
  if (out.created_at !== undefined && !Number.isFinite(Date.parse(out.created_at))) {
    throw new Error(`createLead: invalid created_at ${out.created_at}`);
  }
  for (const key of ['first_name', 'last_name', 'company'] as const) {
    const v = fields[key];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') throw new Error(`createLead: ${key} must be a string or null`);
    out[key] = v;
  }
  if (fields.status !== undefined) {
    if (!isStatus(fields.status)) throw new Error(`createLead: invalid status ${String(fields.status)}`);
    out.status = fields.status;
  }
  if (fields.attributes !== undefined) out.attributes = plainObject('createLead', fields.attributes) as JsonObject;
  return out;
}

export function checkPatch(patch: PenguinMailsLeadPatch): void {
  for (const key of Object.keys(patch)) {
    if (!PATCHABLE.has(key)) throw new Error(`updateLead cannot set ${key}: ${key === 'activity' ? 'use addActivity' : 'the vendor maintains it'}`);
  }
  if (patch.status !== undefined && !isStatus(patch.status)) throw new Error(`updateLead: invalid status ${String(patch.status)}`);
  if (patch.email !== undefined && (typeof patch.email !== 'string' || patch.email === '')) throw new Error('updateLead: email must be a non-empty string');
  if (patch.attributes !== undefined) plainObject('updateLead', patch.attributes);
}

function plainObject(where: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: attributes must be an object`);
  return v as Record<string, unknown>;
}
