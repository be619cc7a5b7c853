// Small builders for the contract suite: leads, page writes and outbox events with just enough in them.
import type { NormalizedLead, OutboxEvent, WebhookType } from '../../src/model.js';
import type { LeadWrite, MissingDecision, MissingLead, PageWrite } from '../../src/store/types.js';
import type { Subscription } from '../../src/store/types.js';

export function lead(sourceId: string, id: string, extra: Partial<NormalizedLead> = {}): NormalizedLead {
  return {
    id,
    source: sourceId,
    vendor: 'apten',
    name: `Lead ${id}`,
    firstName: null,
    lastName: null,
    email: `${id}@example.com`,
    emails: [],
    phone: null,
    phones: [],
    company: null,
    status: 'NEW',
    tags: [],
    owner: null,
    createdAt: null,
    updatedAt: null,
    deleted: false,
    raw: { id, name: `Lead ${id}` },
    ...extra,
  };
}

export function leadWrite(sourceId: string, id: string, hash = `h-${id}`, extra: Partial<LeadWrite> = {}): LeadWrite {
  return { leadId: id, hash, deleted: false, deletedReason: null, lead: lead(sourceId, id), state: null, ...extra };
}

let n = 0;
export function event(sourceId: string, leadId: string, type: WebhookType = 'lead.created', createdAt = '2026-01-01T00:00:00.000Z'): OutboxEvent {
  return {
    id: `evt_${sourceId}_${leadId}_${++n}_${Math.random().toString(36).slice(2, 8)}`,
    type,
    sourceId,
    leadId,
    createdAt,
    body: { type, timestamp: createdAt, data: { source: sourceId, vendor: 'apten', lead: lead(sourceId, leadId) } },
  };
}

export function page(writes: LeadWrite[], extra: Partial<PageWrite> = {}): PageWrite {
  return { leads: writes, leadEvents: [], outbox: [], ...extra };
}

export const NOW_ISO = '2026-02-01T10:00:00.000Z';

/** A decide() that deletes every missing lead (with a lead.deleted event each) and records what it saw. */
export function deleteAll(seen: { missing?: MissingLead[]; live?: number } = {}) {
  return (missing: MissingLead[], live: number): MissingDecision => {
    seen.missing = missing;
    seen.live = live;
    return {
      apply: true,
      writes: missing.map((m) => ({ leadId: m.leadId, hash: m.hash, deleted: true, deletedReason: 'missing', lead: { ...m.lead, deleted: true }, state: m.state })),
      outbox: missing.map((m) => event(m.lead.source, m.leadId, 'lead.deleted')),
      warning: null,
    };
  };
}

/** A decide() that holds every delete and warns. */
export function holdAll(seen: { missing?: MissingLead[]; live?: number } = {}) {
  return (missing: MissingLead[], live: number): MissingDecision => {
    seen.missing = missing;
    seen.live = live;
    return { apply: false, writes: [], outbox: [], warning: missing.length ? { code: 'deletes_held', message: `${missing.length} held` } : null };
  };
}

export function subscription(id: string, extra: Partial<Subscription> = {}): Subscription {
  return {
    id,
    url: `https://example.com/hooks/${id}`,
    secret: `whsec_${Buffer.alloc(32, id.length).toString('base64')}`,
    previousSecrets: [],
    events: ['*'],
    sources: null,
    description: null,
    headers: {},
    maxPerSecond: null,
    maxConcurrency: null,
    filter: null,
    payload: null,
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    consecutiveFailures: 0,
    circuitOpenUntil: null,
    origin: 'api',
    createdBy: 'admin',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}
