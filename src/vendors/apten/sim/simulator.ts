// In-memory Apten account: leads and room events with the vendor's timestamp rules, plus test controls.
import { FaultQueue } from '../../sim-common/faults.js';
import { listenApp } from '../../sim-common/serve.js';
import type { SimServerHandle } from '../../sim-common/types.js';
import type { Hono } from 'hono';
import { interaction, randomInteractionKind } from './conversation.js';
import { eventIdFor, fakeLeadProfile, leadId as newLeadId } from './fake-data.js';
import { int, type Random } from '../../sim-common/random.js';
import { createAptenApp } from './routes.js';
import { sortKeyed, type Keyed } from './paging.js';
import type {
  AptenChange,
  AptenChangeKind,
  AptenEvent,
  AptenFault,
  AptenLead,
  AptenRequestLogEntry,
  AptenSimulatorOptions,
  NewAptenEvent,
} from './types.js';

export type AptenServerHandle = SimServerHandle;

// Fields the vendor maintains itself; letting updateLead set them would let tests fake impossible states.
const MANAGED_FIELDS = ['id', 'createdAt', 'updatedAt', 'lastActivityAt', 'deleted', 'deletedAt'] as const;

const DAY_MS = 86_400_000;

export class AptenSimulator {
  readonly app: Hono;
  readonly requests: AptenRequestLogEntry[] = [];
  readonly changes: AptenChange[] = [];
  readonly apiKey: string;
  readonly orgId: string;
  readonly now: () => number;
  readonly random: Random;

  readonly #leads = new Map<string, AptenLead>();
  readonly #events = new Map<string, AptenEvent[]>();
  /** Leads in list order per timestamp field; dropped by #record, i.e. by every change. */
  #index: Partial<Record<'updatedAt' | 'createdAt', Keyed<AptenLead>[]>> = {};
  readonly #faults = new FaultQueue<AptenFault>();

  constructor(opts: AptenSimulatorOptions) {
    this.apiKey = opts.apiKey;
    this.orgId = opts.orgId ?? 'org_sim';
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.app = createAptenApp({
      apiKey: this.apiKey,
      now: () => this.now(),
      leadsBy: (field) => (this.#index[field] ??= sortKeyed([...this.#leads.values()], (l) => l[field])),
      eventsOf: (id) => (this.#leads.has(id) ? (this.#events.get(id) ?? []) : undefined),
      takeFault: (endpoint) => this.#takeFault(endpoint),
      logRequest: (entry) => this.requests.push(entry),
    });
  }

  listen(port = 0, host = '127.0.0.1'): Promise<AptenServerHandle> {
    return listenApp(this.app, port, host);
  }

  /** `n` leads with histories backdated over the last 30 days; eventsPerLead fixes the count (default 0-4 each). */
  seed(n: number, opts: { eventsPerLead?: number } = {}): AptenLead[] {
    const nowMs = this.now();
    const created: AptenLead[] = [];
    for (let i = 0; i < n; i++) {
      const createdMs = nowMs - int(this.random, 60_000, 30 * DAY_MS);
      const lead = this.#insertLead({}, createdMs);
      const count = opts.eventsPerLead ?? int(this.random, 0, 4);
      let at = createdMs;
      for (let k = 0; k < count; k++) {
        // Space events out but never past "now", so later live changes always sort after the history.
        at = Math.min(nowMs, at + int(this.random, 1_000, Math.max(1_000, Math.floor((nowMs - createdMs) / (count + 1)))));
        const next = interaction(this.random, k === 0 ? 'outbound' : randomInteractionKind(this.random), lead, 'DELIVERED');
        this.#insertEvent(lead, { type: next.type, data: next.data }, at);
        this.#patchLead(lead, next.leadPatch, at);
      }
      created.push(clone(lead));
    }
    return created;
  }

  createLead(fields: Partial<AptenLead> = {}): AptenLead {
    return clone(this.#insertLead(fields, this.now()));
  }

  updateLead(id: string, patch: Partial<AptenLead>): AptenLead {
    const lead = this.#lead(id);
    for (const key of MANAGED_FIELDS) {
      if (key in patch) throw new Error(`updateLead cannot set ${key}: the simulator maintains it (use deleteLead, restoreLead or addEvent)`);
    }
    this.#patchLead(lead, patch, this.now());
    return clone(lead);
  }

  /** Soft delete as Apten does it: flag, scrub PII, bump both cursors. Deleting twice changes nothing. */
  deleteLead(id: string): AptenLead {
    const lead = this.#lead(id);
    if (lead.deleted) return clone(lead);
    const at = iso(this.now());
    Object.assign(lead, { firstName: null, lastName: null, phone: null, email: null });
    lead.deleted = true;
    lead.deletedAt = at;
    lead.updatedAt = at;
    lead.lastActivityAt = at;
    this.#record('lead.deleted', lead.id, at);
    return clone(lead);
  }

  /** Undelete. The scrubbed PII stays null: the scrub is destructive, as it would be at the vendor. */
  restoreLead(id: string): AptenLead {
    const lead = this.#lead(id);
    if (!lead.deleted) return clone(lead);
    const at = iso(this.now());
    lead.deleted = false;
    lead.deletedAt = null;
    lead.updatedAt = at;
    this.#record('lead.restored', lead.id, at);
    return clone(lead);
  }

  addEvent(leadId: string, ev: NewAptenEvent): AptenEvent {
    return clone(this.#insertEvent(this.#lead(leadId), ev, this.now()));
  }

  /** Shallow-merges `dataPatch` into the event's data (e.g. `{status: 'DELIVERED'}`). A patch that changes nothing bumps nothing. */
  editEvent(leadId: string, eventId: string, dataPatch: Record<string, unknown>): AptenEvent {
    const lead = this.#lead(leadId);
    const event = this.#event(leadId, eventId);
    const data = { ...event.data, ...clone(dataPatch) };
    if (JSON.stringify(data) === JSON.stringify(event.data)) return clone(event);
    const at = iso(this.now());
    event.data = data;
    event.updatedAt = at;
    lead.updatedAt = at;
    lead.lastActivityAt = at;
    this.#record('event.updated', lead.id, at, event.id);
    return clone(event);
  }

  /** The docs list a deleted event among the things that bump updatedAt; the event simply vanishes from the feed. */
  deleteEvent(leadId: string, eventId: string): AptenEvent {
    const lead = this.#lead(leadId);
    const event = this.#event(leadId, eventId);
    const list = this.#events.get(leadId) ?? [];
    list.splice(list.indexOf(event), 1);
    const at = iso(this.now());
    lead.updatedAt = at;
    lead.lastActivityAt = at;
    this.#record('event.deleted', lead.id, at, event.id);
    return clone(event);
  }

  getLead(id: string): AptenLead | undefined {
    const lead = this.#leads.get(id);
    return lead ? clone(lead) : undefined;
  }

  leads(): AptenLead[] {
    return [...this.#leads.values()].map(clone);
  }

  events(leadId: string): AptenEvent[] {
    return (this.#events.get(leadId) ?? []).map(clone);
  }

  /** The next `n` requests to a matching endpoint (after auth) get `fault` instead of an answer. Calls queue in order. */
  failNext(n: number, fault: AptenFault): void {
    this.#faults.add(n, fault);
  }

  #takeFault(endpoint: 'leads' | 'events'): AptenFault | undefined {
    return this.#faults.take((f) => f.path === undefined || f.path === endpoint);
  }

  #insertLead(fields: Partial<AptenLead>, atMs: number): AptenLead {
    const at = iso(atMs);
    const lead = inSchemaOrder({
      id: newLeadId(this.random),
      ...fakeLeadProfile(this.random),
      createdAt: fields.createdAt ?? at,
      updatedAt: fields.createdAt ?? at,
      lastActivityAt: null,
      deleted: false,
      deletedAt: null,
      ...clone(definedOnly(fields)),
    });
    if (this.#leads.has(lead.id)) throw new Error(`lead ${lead.id} already exists`);
    this.#leads.set(lead.id, lead);
    this.#events.set(lead.id, []);
    this.#record('lead.created', lead.id, lead.createdAt);
    return lead;
  }

  #patchLead(lead: AptenLead, patch: Partial<AptenLead>, atMs: number): void {
    const changed = Object.entries(patch).filter(
      ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(lead[k as keyof AptenLead]),
    );
    if (changed.length === 0) return;
    for (const [k, v] of changed) (lead as unknown as Record<string, unknown>)[k] = clone(v);
    lead.updatedAt = iso(atMs);
    this.#record('lead.updated', lead.id, lead.updatedAt);
  }

  #insertEvent(lead: AptenLead, ev: NewAptenEvent, atMs: number): AptenEvent {
    const list = this.#events.get(lead.id) ?? [];
    const id = ev.id ?? eventIdFor(ev.type, this.random);
    // Apten keys events by type + id (per the docs), so only that pair has to be unique.
    if (list.some((e) => e.id === id && e.type === ev.type)) throw new Error(`event ${ev.type} ${id} already exists on ${lead.id}`);
    const at = iso(atMs);
    let timestamp = at;
    if (ev.timestamp !== undefined) {
      const ms = Date.parse(ev.timestamp);
      if (!Number.isFinite(ms)) throw new Error(`invalid event timestamp: ${ev.timestamp}`);
      timestamp = iso(ms);
    }
    const event: AptenEvent = {
      id,
      roomId: lead.id,
      orgId: this.orgId,
      type: ev.type,
      timestamp,
      updatedAt: at,
      data: clone(ev.data ?? {}),
    };
    list.push(event);
    this.#events.set(lead.id, list);
    lead.updatedAt = at;
    lead.lastActivityAt = at;
    this.#record('event.added', lead.id, at, id);
    return event;
  }

  #lead(id: string): AptenLead {
    const lead = this.#leads.get(id);
    if (!lead) throw new Error(`unknown Apten lead ${id}`);
    return lead;
  }

  #event(leadId: string, eventId: string): AptenEvent {
    const matches = (this.#events.get(leadId) ?? []).filter((e) => e.id === eventId);
    if (matches.length === 0) throw new Error(`unknown event ${eventId} on lead ${leadId}`);
    if (matches.length > 1) throw new Error(`event id ${eventId} is shared by several types on lead ${leadId}`);
    return matches[0] as AptenEvent;
  }

  // Every change to a lead or its events passes here, so this is where the list index goes stale.
  #record(kind: AptenChangeKind, leadId: string, at: string, eventId?: string): void {
    this.#index = {};
    this.changes.push(eventId === undefined ? { kind, leadId, at } : { kind, leadId, eventId, at });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// The wire order of the docs' schema, whatever order the caller's fields arrived in.
function inSchemaOrder(l: AptenLead): AptenLead {
  return {
    id: l.id,
    firstName: l.firstName,
    lastName: l.lastName,
    phone: l.phone,
    email: l.email,
    customerProfile: l.customerProfile,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
    lastActivityAt: l.lastActivityAt,
    additionalInfo: l.additionalInfo,
    hasReplied: l.hasReplied,
    isHot: l.isHot,
    isQualified: l.isQualified,
    isUnsubscribed: l.isUnsubscribed,
    isUnsubscribedEmail: l.isUnsubscribedEmail,
    isAiOn: l.isAiOn,
    summary: l.summary,
    tags: l.tags,
    externalLeadId: l.externalLeadId,
    deleted: l.deleted,
    deletedAt: l.deletedAt,
  };
}
