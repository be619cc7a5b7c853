// Config rules spanning several fields. They look at the raw (interpolated) tree defensively, so they
// run and report even when other parts of the file are broken: every problem, in one go.
import type { PathProblem } from './interpolate.js';
import { isLocalHostname, isPrivateAddress } from '../util/addresses.js';
import { tokenProblems } from './tokens.js';
import { DEFAULTS, SSL_MODES, coerceNumber, isHttpUrl, urlSslmode } from './fields.js';
import { VENDORS as VENDOR_ENTRIES, VENDOR_IDS } from '../vendors/registry.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Each vendor-only field: the vendors that take it, and those among them that require it (from the registry). */
const VENDOR_ONLY_FIELDS: readonly { field: string; vendors: readonly string[]; requiredBy: readonly string[] }[] = (() => {
  const fields = new Map<string, { field: string; vendors: string[]; requiredBy: string[] }>();
  for (const v of VENDOR_ENTRIES) {
    for (const [field, schema] of Object.entries(v.settings)) {
      const entry = fields.get(field) ?? { field, vendors: [], requiredBy: [] };
      entry.vendors.push(v.id);
      if (!schema.safeParse(undefined).success) entry.requiredBy.push(v.id);
      fields.set(field, entry);
    }
  }
  return [...fields.values()];
})();

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
      if (!isRecord(src) || typeof src.vendor !== 'string' || !(VENDOR_IDS as readonly string[]).includes(src.vendor)) return;
      for (const { field, vendors, requiredBy } of VENDOR_ONLY_FIELDS) {
        const present = src[field] !== undefined && src[field] !== null;
        const applies = vendors.includes(src.vendor);
        if (applies && !present && requiredBy.includes(src.vendor)) {
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
