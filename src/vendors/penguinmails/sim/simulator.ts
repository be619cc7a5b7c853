// In-memory PenguinMails workspace: leads with attributes and id-less activity, hard deletes, plus test controls.
import { FaultQueue, pathContains } from '../../sim-common/faults.js';
import { listenApp } from '../../sim-common/serve.js';
import type { Hono } from 'hono';
import type { JsonObject } from '../../../model.js';
import { int, pick, type Random } from '../../sim-common/random.js';
import { SimRateLimiter, type SimRateLimit } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest, SimServerHandle, SimSourceConfig, VendorSimulator } from '../../sim-common/types.js';
import { campaignId, fakeEmail, fakeLeadFields, fakeStatus, leadId as newLeadId, otherCompany } from './fake-data.js';
import { checkPatch, leadOverrides, type LeadOverrides } from './fields.js';
import { plannedHistory } from './history.js';
import { createPenguinMailsApp, LEADS_PATH } from './routes.js';
import {
  ACTIVITY_TYPES,
  type NewPenguinMailsActivity,
  type PenguinMailsActivity,
  type PenguinMailsChange,
  type PenguinMailsChangeKind,
  type PenguinMailsLead,
  type PenguinMailsLeadPatch,
  type PenguinMailsLeadRow,
  type PenguinMailsLeadStatus,
  type PenguinMailsSimulatorOptions,
} from './types.js';

const DAY_MS = 86_400_000;

/** Undocumented by the vendor; the relay plans with 60 requests a minute (../README.md "Limits"). */
export const DEFAULT_RATE_LIMITS: readonly SimRateLimit[] = [{ limit: 60, windowMs: 60_000 }];

// touchLead walks the funnel one step; converted is terminal.
const NEXT_STATUS: Partial<Record<PenguinMailsLeadStatus, PenguinMailsLeadStatus>> = {
  new: 'contacted',
  contacted: 'replied',
  replied: 'converted',
};

export class PenguinMailsSimulator implements VendorSimulator {
  readonly vendor = 'penguinmails' as const;
  readonly app: Hono;
  readonly requests: SimRequest[] = [];
  readonly changes: PenguinMailsChange[] = [];
  readonly apiKey: string;
  readonly workspace: string;
  readonly now: () => number;
  readonly random: Random;
  /** The workspace's campaigns; seeded and live activity reference these ids, as sequences are reused across leads. */
  readonly campaigns: readonly string[];

  readonly #leads = new Map<string, PenguinMailsLead>();
  readonly #faults = new FaultQueue<SimFault>();
  readonly #limiter: SimRateLimiter | undefined;

  constructor(opts: PenguinMailsSimulatorOptions) {
    this.apiKey = opts.apiKey;
    this.workspace = opts.workspace ?? 'acme-corp';
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.campaigns = Array.from({ length: 4 }, () => campaignId(this.random));
    const limits = opts.rateLimits ?? DEFAULT_RATE_LIMITS;
    this.#limiter = limits.length > 0 ? new SimRateLimiter(limits, () => this.now()) : undefined;
    this.app = createPenguinMailsApp({
      apiKey: this.apiKey,
      workspace: this.workspace,
      now: () => this.now(),
      rows: () => this.#sorted().map(rowOf),
      detail: (id) => this.getLead(id),
      create: (body) => rowOf(this.#lead(this.createLead(body))),
      update: (id, patch) => (this.#leads.has(id) ? this.updateLead(id, patch) : undefined),
      takeRate: () => this.#limiter?.take(),
      takeFault: (path) => this.#takeFault(path),
      logRequest: (entry) => this.requests.push(entry),
    });
  }

  listen(port = 0, host = '127.0.0.1'): Promise<SimServerHandle> {
    return listenApp(this.app, port, host);
  }

  /** `n` leads created over the last 90 days, statuses spread over the funnel, each with a matching campaign history. */
  seed(n: number): string[] {
    const nowMs = this.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const createdMs = nowMs - int(this.random, 3_600_000, 90 * DAY_MS);
      const lead = this.#insertLead({ status: fakeStatus(this.random) }, createdMs);
      const campaign = pick(this.random, this.campaigns);
      for (const step of plannedHistory(this.random, lead.status, createdMs, nowMs)) {
        this.#insertActivity(lead, { type: step.type, campaign_id: campaign, timestamp: isoSeconds(step.atMs) }, isoSeconds(step.atMs));
      }
      ids.push(lead.id);
    }
    return ids;
  }

  /** A lead created now (status `new`, no activity) unless `fields` say otherwise; vendor field names only. */
  createLead(fields: Record<string, unknown> = {}): string {
    const given = leadOverrides(fields);
    const createdMs = given.created_at === undefined ? this.now() : Date.parse(given.created_at);
    return this.#insertLead(given, createdMs).id;
  }

  /** Row fields and/or attributes (merged; null removes a key). A patch that changes nothing records nothing. */
  updateLead(id: string, patch: PenguinMailsLeadPatch): PenguinMailsLead {
    const lead = this.#lead(id);
    checkPatch(patch);
    const { attributes, ...row } = patch;
    const next: PenguinMailsLead = { ...lead, ...definedOnly(row) };
    if (attributes !== undefined) {
      const merged: JsonObject = { ...lead.attributes };
      for (const [k, v] of Object.entries(attributes)) {
        if (v === null) delete merged[k];
        else merged[k] = structuredClone(v);
      }
      next.attributes = merged;
    }
    if (JSON.stringify(next) !== JSON.stringify(lead)) {
      Object.assign(lead, next);
      this.#record('lead.updated', id, isoSeconds(this.now()));
    }
    return clone(lead);
  }

  /**
   * Appends an activity entry (kept in timestamp order). It changes only the detail, never the list row:
   * the row has no updated_at or activity marker, which is exactly what makes this vendor hard to poll.
   * Status is not moved here; the seeding and live activity do that alongside, like the vendor's own automation.
   * Two entries may be identical (same type, campaign and second): the vendor has no id to tell them apart either.
   */
  addActivity(id: string, entry: NewPenguinMailsActivity): PenguinMailsActivity {
    const lead = this.#lead(id);
    if (!(ACTIVITY_TYPES as readonly string[]).includes(entry.type)) throw new Error(`addActivity: unknown activity type ${String(entry.type)}`);
    let timestamp = isoSeconds(this.now());
    if (entry.timestamp !== undefined) {
      const ms = Date.parse(entry.timestamp);
      if (!Number.isFinite(ms)) throw new Error(`addActivity: invalid timestamp ${entry.timestamp}`);
      timestamp = isoSeconds(ms);
    }
    const campaign_id = entry.campaign_id ?? lead.activity.at(-1)?.campaign_id ?? pick(this.random, this.campaigns);
    return clone(this.#insertActivity(lead, { type: entry.type, campaign_id, timestamp }, isoSeconds(this.now())));
  }

  /** One funnel step (new→contacted→replied→converted); a converted lead instead moves to another company. */
  touchLead(id: string): void {
    const lead = this.#lead(id);
    const status = NEXT_STATUS[lead.status];
    if (status) {
      this.updateLead(id, { status });
      return;
    }
    // Converted is terminal, but people change jobs: a new company and work address, both visible in the row.
    const company = otherCompany(this.random, lead.company);
    this.updateLead(id, {
      company: company.name,
      email: fakeEmail(this.random, lead.first_name ?? 'lead', lead.last_name ?? 'contact', company.domain),
    });
  }

  /** Hard delete: the lead vanishes from the list and its detail answers 404. Unknown ids throw. */
  deleteLead(id: string): void {
    this.#lead(id);
    this.#leads.delete(id);
    this.#record('lead.deleted', id, isoSeconds(this.now()));
  }

  getLead(id: string): PenguinMailsLead | undefined {
    const lead = this.#leads.get(id);
    return lead ? clone(lead) : undefined;
  }

  /** Every lead's detail, in list order. */
  leads(): PenguinMailsLead[] {
    return this.#sorted().map(clone);
  }

  leadIds(): string[] {
    return this.#sorted().map((l) => l.id);
  }

  /** How many detail GETs were served (any status), for one lead or all; lets tests check the relay's request budget. */
  detailRequests(id?: string): number {
    const prefix = `${LEADS_PATH}/`;
    return this.requests.filter((r) => {
      if (r.method !== 'GET' || !r.path.startsWith(prefix)) return false;
      const rest = r.path.slice(prefix.length);
      return rest !== '' && !rest.includes('/') && (id === undefined || rest === id);
    }).length;
  }

  /** The next `n` requests whose path contains `fault.path` (all when absent) get `fault`, after auth. Calls queue in order. */
  failNext(n: number, fault: SimFault): void {
    this.#faults.add(n, fault);
  }

  /** The relay appends /api/v1/tenant/leads to baseUrl and sends `workspace` as the list's query parameter. */
  sourceConfig(url: string): SimSourceConfig {
    return { vendor: 'penguinmails', baseUrl: url, apiKey: this.apiKey, workspace: this.workspace };
  }

  #takeFault(path: string): SimFault | undefined {
    return this.#faults.take(pathContains(path));
  }

  #insertLead(given: LeadOverrides, createdMs: number): PenguinMailsLead {
    const fake = fakeLeadFields(this.random);
    const first_name = given.first_name !== undefined ? given.first_name : fake.first_name;
    const last_name = given.last_name !== undefined ? given.last_name : fake.last_name;
    const namesGiven = given.first_name !== undefined || given.last_name !== undefined;
    // Keep the address consistent with names the caller chose, on the fake lead's domain.
    const email =
      given.email ?? (namesGiven ? fakeEmail(this.random, first_name ?? 'lead', last_name ?? 'contact', fake.email.split('@')[1] ?? 'example.com') : fake.email);
    // Keys in the docs' order, so the wire looks like the examples.
    const lead: PenguinMailsLead = {
      id: given.id ?? newLeadId(this.random),
      email,
      first_name,
      last_name,
      company: given.company !== undefined ? given.company : fake.company,
      status: given.status ?? 'new',
      created_at: isoSeconds(createdMs),
      attributes: structuredClone(given.attributes ?? fake.attributes),
      activity: [],
    };
    if (this.#leads.has(lead.id)) throw new Error(`lead ${lead.id} already exists`);
    this.#leads.set(lead.id, lead);
    this.#record('lead.created', lead.id, lead.created_at);
    return lead;
  }

  #insertActivity(lead: PenguinMailsLead, entry: PenguinMailsActivity, at: string): PenguinMailsActivity {
    // History reads oldest first; a backdated entry slots in after any with the same second.
    const ms = Date.parse(entry.timestamp);
    const after = lead.activity.findIndex((a) => Date.parse(a.timestamp) > ms);
    lead.activity.splice(after === -1 ? lead.activity.length : after, 0, entry);
    this.#record('activity.added', lead.id, at, entry);
    return entry;
  }

  #lead(id: string): PenguinMailsLead {
    const lead = this.#leads.get(id);
    if (!lead) throw new Error(`unknown PenguinMails lead ${id}`);
    return lead;
  }

  // The list's documented-by-example order is creation order; ties (same second) break by id so paging is stable.
  #sorted(): PenguinMailsLead[] {
    // Parse each timestamp once, not per comparison: Date.parse dominated the cost of every list request.
    return [...this.#leads.values()]
      .map((lead) => ({ lead, ms: Date.parse(lead.created_at) }))
      .sort((a, b) => a.ms - b.ms || cmp(a.lead.id, b.lead.id))
      .map((k) => k.lead);
  }

  #record(kind: PenguinMailsChangeKind, leadId: string, at: string, activity?: PenguinMailsActivity): void {
    this.changes.push(activity === undefined ? { kind, leadId, at } : { kind, leadId, at, activity: clone(activity) });
  }
}

/** The row as `GET /leads` shows it: the detail minus attributes and activity. */
export function rowOf(lead: PenguinMailsLead): PenguinMailsLeadRow {
  return {
    id: lead.id,
    email: lead.email,
    first_name: lead.first_name,
    last_name: lead.last_name,
    company: lead.company,
    status: lead.status,
    created_at: lead.created_at,
  };
}

/** `2025-11-01T10:00:00Z`: whole seconds, no fraction, as in every timestamp of the docs. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// Code-unit order, not localeCompare: a sort key must not depend on the host's locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// State is plain JSON, and JSON round-trips are several times faster than structuredClone on small objects.
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
