// In-memory Nexus ERP organisation: leads with hard deletes and a call order that shifts while clients page, plus test controls.
import { FaultQueue, pathContains } from '../../sim-common/faults.js';
import { listenApp } from '../../sim-common/serve.js';
import type { Hono } from 'hono';
import { int, pick, type Random } from '../../sim-common/random.js';
import { SimRateLimiter, type RateDecision } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest, SimServerHandle, SimSourceConfig, VendorSimulator } from '../../sim-common/types.js';
import { fakeLeadProfile, leadName } from './fake-data.js';
import { foreignObjectId, ObjectIdFactory } from './ids.js';
import { sortLeads } from './listing.js';
import { createNexusApp } from './routes.js';
import { notesPatch, rescheduledCall, statusPatch } from './sales.js';
import { ceilQuarter, DAY_MS, floorQuarter, iso, QUARTER_MS } from './schedule.js';
import {
  NEXUS_STATUSES,
  type NexusChange,
  type NexusChangeKind,
  type NexusLead,
  type NexusSimulatorOptions,
} from './types.js';

// Fields the vendor maintains itself; letting updateLead set them would let tests fake impossible states.
const MANAGED_FIELDS = ['id', 'createdAt', 'updatedAt'] as const;

// Sales reps in the org; leads are assigned among them.
const MEMBER_COUNT = 5;

export class NexusSimulator implements VendorSimulator {
  readonly vendor = 'nexus-erp' as const;
  readonly app: Hono;
  readonly requests: SimRequest[] = [];
  readonly changes: NexusChange[] = [];
  readonly apiKey: string;
  readonly now: () => number;
  readonly random: Random;
  /** OrgMember ids that leads get assigned to (`assignedToId`). */
  readonly members: readonly string[];
  /** Chance per list request that one lead is rescheduled first; settable mid-test. */
  volatility: number;
  /**
   * Called before each accepted list request is answered, with the running count of list requests:
   * lets a test reorder leads between two pages of one scan, exactly where a client would trip.
   */
  onListRequest?: (n: number) => void;
  #listRequests = 0;

  readonly #leads = new Map<string, NexusLead>();
  /** Every lead in the API's order; dropped by #record, i.e. by every change (see #sorted). */
  #order: NexusLead[] | null = null;
  readonly #faults = new FaultQueue<SimFault>();
  readonly #ids: ObjectIdFactory;
  readonly #limiter: SimRateLimiter | undefined;

  constructor(opts: NexusSimulatorOptions) {
    this.apiKey = opts.apiKey;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.volatility = checkVolatility(opts.volatility ?? 0);
    this.#ids = new ObjectIdFactory(this.random);
    // Members joined the org well before any lead, like the docs' example ids (65e0... vs 65f0...).
    const joined = this.now() - 400 * DAY_MS;
    this.members = Array.from({ length: MEMBER_COUNT }, () => foreignObjectId(this.random, joined + int(this.random, 0, 30 * DAY_MS)));
    this.#limiter = opts.rateLimits && opts.rateLimits.length > 0 ? new SimRateLimiter(opts.rateLimits, () => this.now()) : undefined;
    this.app = createNexusApp({
      apiKey: this.apiKey,
      now: () => this.now(),
      leadsInOrder: () => this.#sorted(),
      beforeList: () => {
        this.#listRequests++;
        this.onListRequest?.(this.#listRequests);
        this.#maybeShift();
      },
      takeRate: (): RateDecision | undefined => this.#limiter?.take(),
      takeFault: (path) => this.#takeFault(path),
      logRequest: (entry) => this.requests.push(entry),
    });
  }

  listen(port = 0, host = '127.0.0.1'): Promise<SimServerHandle> {
    return listenApp(this.app, port, host);
  }

  /** The relay appends /api/v1/leads to baseUrl. */
  sourceConfig(url: string): SimSourceConfig {
    return { vendor: 'nexus-erp', baseUrl: url, apiKey: this.apiKey };
  }

  /** `n` leads created over the last 60 days with a history (statuses, notes, scheduled calls); returns their ids. */
  seed(n: number): string[] {
    const nowMs = this.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const createdMs = nowMs - int(this.random, 5 * 60_000, 60 * DAY_MS);
      const profile = fakeLeadProfile(this.random, { nowMs, createdMs, members: this.members, fresh: false });
      // Untouched leads were never edited; the rest last changed somewhere between creation and now.
      const updatedMs = profile.status === 'NOT_CONTACTED' && profile.notes === null ? createdMs : int(this.random, createdMs, nowMs);
      ids.push(this.#insert({ ...profile, createdAt: iso(createdMs), updatedAt: iso(updatedMs) }, createdMs).id);
    }
    return ids;
  }

  /** A lead that just came in (NOT_CONTACTED); any documented field can be overridden. Returns its id. */
  createLead(fields: Record<string, unknown> = {}): string {
    const nowMs = this.now();
    const given = normalizeFields(fields, 'createLead');
    const createdMs = given.createdAt === undefined ? nowMs : Date.parse(given.createdAt);
    const profile = fakeLeadProfile(this.random, { nowMs, createdMs, members: this.members, fresh: true });
    // A caller who picks the company but not the name gets the docs' "Company - Person" name to match.
    if (given.company !== undefined && given.name === undefined) {
      profile.name = leadName(given.company, profile.name.split(' - ').at(-1) ?? profile.name);
    }
    return this.#insert({ ...profile, ...given }, createdMs).id;
  }

  /** Applies `patch` (documented fields only) and bumps updatedAt; a patch that changes nothing bumps nothing. */
  updateLead(id: string, patch: Partial<NexusLead>): NexusLead {
    const lead = this.#lead(id);
    for (const key of MANAGED_FIELDS) {
      if (key in patch) throw new Error(`updateLead cannot set ${key}: the simulator maintains it`);
    }
    this.#patch(lead, normalizeFields(patch as Record<string, unknown>, 'updateLead'));
    return clone(lead);
  }

  /** A realistic edit by a rep: a status move (with its side effects) or a new line in the notes. */
  touchLead(id: string): void {
    const lead = this.#lead(id);
    const nowMs = this.now();
    this.#patch(lead, this.random() < 0.5 ? statusPatch(lead, this.random, nowMs) : notesPatch(lead, this.random, nowMs));
  }

  /** Nexus deletes for real: the lead is gone from every listing, with no tombstone. */
  deleteLead(id: string): void {
    this.#lead(id);
    this.#leads.delete(id);
    this.#record('lead.deleted', id, iso(this.now()));
  }

  getLead(id: string): NexusLead | undefined {
    const lead = this.#leads.get(id);
    return lead ? clone(lead) : undefined;
  }

  /** Copies of every lead, in the API's order. */
  leads(): NexusLead[] {
    return this.#sorted().map(clone);
  }

  /** Ids in the API's order (as an unfiltered scan would see them right now). */
  leadIds(): string[] {
    return this.#sorted().map((l) => l.id);
  }

  /**
   * One reschedule as the sales team would do it: a random open lead gets a new future call time,
   * which moves it in the order and bumps updatedAt. Returns the moved lead's id (undefined: no leads).
   */
  shiftOrder(): string | undefined {
    const all = [...this.#leads.values()];
    if (all.length === 0) return undefined;
    const open = all.filter((l) => l.status !== 'CONVERTED' && l.status !== 'LOST');
    const lead = pick(this.random, open.length > 0 ? open : all);
    this.#patch(lead, { nextCallAt: rescheduledCall(lead, this.random, this.now()) });
    return lead.id;
  }

  /** "Call now": nextCallAt before every other scheduled call (and not after now), so the lead sorts first. */
  rescheduleToFront(id: string): NexusLead {
    const lead = this.#lead(id);
    const earliest = this.#scheduledMs(id).reduce((a, b) => Math.min(a, b), this.now());
    // floor then one more quarter: strictly before `earliest`, still on a slot a rep could pick.
    this.#patch(lead, { nextCallAt: iso(floorQuarter(earliest) - QUARTER_MS) });
    return clone(lead);
  }

  /**
   * Pushed out: nextCallAt after every other scheduled call, so the lead sorts after all scheduled
   * leads (leads with no next call still come after it, since nulls sort last).
   */
  rescheduleToBack(id: string): NexusLead {
    const lead = this.#lead(id);
    const latest = this.#scheduledMs(id).reduce((a, b) => Math.max(a, b), this.now());
    this.#patch(lead, { nextCallAt: iso(ceilQuarter(latest) + QUARTER_MS) });
    return clone(lead);
  }

  /** The next `n` requests whose path contains `fault.path` (all when absent), after auth, get `fault`. Calls queue in order. */
  failNext(n: number, fault: SimFault): void {
    this.#faults.add(n, fault);
  }

  #takeFault(path: string): SimFault | undefined {
    return this.#faults.take(pathContains(path));
  }

  // Draw only when volatile, so a volatility-0 simulator consumes the PRNG exactly as if the feature did not exist.
  #maybeShift(): void {
    if (this.volatility > 0 && this.random() < this.volatility) this.shiftOrder();
  }

  #scheduledMs(exceptId: string): number[] {
    return [...this.#leads.values()].filter((l) => l.id !== exceptId && l.nextCallAt !== null).map((l) => Date.parse(l.nextCallAt as string));
  }

  /**
   * The API's order, cached until the next change: every page of a scan used to sort every lead
   * (about 1.3 s per page at 100k leads, Date.parse inside the comparator), which made the
   * simulator, not the client, the bottleneck of any large benchmark. Callers must not mutate it.
   */
  #sorted(): readonly NexusLead[] {
    return (this.#order ??= sortLeads([...this.#leads.values()]));
  }

  #insert(fields: Partial<NexusLead> & Omit<NexusLead, 'id' | 'contactId' | 'createdAt' | 'updatedAt'>, createdMs: number): NexusLead {
    const createdAt = fields.createdAt ?? iso(createdMs);
    const lead = inSchemaOrder({
      id: fields.id ?? this.#ids.next(createdMs),
      contactId: fields.contactId ?? this.#ids.next(createdMs),
      ...fields,
      createdAt,
      updatedAt: fields.updatedAt ?? createdAt,
    });
    if (this.#leads.has(lead.id)) throw new Error(`lead ${lead.id} already exists`);
    this.#leads.set(lead.id, lead);
    this.#record('lead.created', lead.id, createdAt);
    return lead;
  }

  #patch(lead: NexusLead, patch: Partial<NexusLead>): void {
    const changed = Object.entries(patch).filter(
      ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(lead[k as keyof NexusLead]),
    );
    if (changed.length === 0) return;
    for (const [k, v] of changed) (lead as unknown as Record<string, unknown>)[k] = clone(v);
    lead.updatedAt = iso(this.now());
    this.#record('lead.updated', lead.id, lead.updatedAt);
  }

  #lead(id: string): NexusLead {
    const lead = this.#leads.get(id);
    if (!lead) throw new Error(`unknown Nexus ERP lead ${id}`);
    return lead;
  }

  // Every change to a lead passes here, so this is where the cached order goes stale.
  #record(kind: NexusChangeKind, leadId: string, at: string): void {
    this.#order = null;
    this.changes.push({ kind, leadId, at });
  }
}

function checkVolatility(v: number): number {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`volatility must be between 0 and 1, got ${v}`);
  return v;
}

/**
 * Checks caller-supplied fields against the docs' types and normalises them as the vendor does
 * (emails lowercased, timestamps to ISO with ms, primaries following the lists), so a test cannot
 * seed a record the real API would never return.
 */
function normalizeFields(fields: Record<string, unknown>, where: string): Partial<NexusLead> {
  const out: Record<string, unknown> = {};
  const bad = (key: string, want: string) => new Error(`${where}: ${key} must be ${want}`);
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    switch (key) {
      case 'id':
      case 'contactId':
      case 'name':
        if (typeof value !== 'string' || value === '') throw bad(key, 'a non-empty string');
        out[key] = value;
        break;
      case 'company':
      case 'source':
      case 'notes':
      case 'assignedToId':
      case 'clientId':
      case 'primaryPhone':
      case 'primaryEmail':
        if (value !== null && typeof value !== 'string') throw bad(key, 'a string or null');
        out[key] = key === 'primaryEmail' && typeof value === 'string' ? value.toLowerCase() : value;
        break;
      case 'phones':
        if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && /^\+[1-9]\d{1,14}$/.test(p))) {
          throw bad(key, 'an array of E.164 numbers');
        }
        out[key] = [...value];
        break;
      case 'emails':
        if (!Array.isArray(value) || !value.every((e) => typeof e === 'string' && e.includes('@'))) throw bad(key, 'an array of email addresses');
        out[key] = value.map((e: string) => e.toLowerCase());
        break;
      case 'status':
        if (!(NEXUS_STATUSES as readonly unknown[]).includes(value)) throw bad(key, `one of ${NEXUS_STATUSES.join(', ')}`);
        out[key] = value;
        break;
      case 'nextCallAt':
      case 'createdAt':
      case 'updatedAt': {
        if (value === null && key === 'nextCallAt') {
          out[key] = null;
          break;
        }
        const ms = typeof value === 'string' ? Date.parse(value) : NaN;
        if (!Number.isFinite(ms)) throw bad(key, key === 'nextCallAt' ? 'an ISO timestamp or null' : 'an ISO timestamp');
        out[key] = iso(ms);
        break;
      }
      default:
        throw new Error(`${where}: ${key} is not a Nexus ERP lead field`);
    }
  }
  // The vendor derives the primaries from the lists unless told otherwise.
  if (Array.isArray(out.phones) && !('primaryPhone' in out)) out.primaryPhone = (out.phones as string[])[0] ?? null;
  if (Array.isArray(out.emails) && !('primaryEmail' in out)) out.primaryEmail = (out.emails as string[])[0] ?? null;
  return out as Partial<NexusLead>;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// The wire order of the docs' table (NEXUS_LEAD_FIELDS), whatever order the caller's fields arrived
// in. Spelled out rather than Object.fromEntries over the field list: seeding 1M leads for the scale
// benchmark spent a third of its time there.
function inSchemaOrder(l: NexusLead): NexusLead {
  return {
    id: l.id,
    name: l.name,
    phones: l.phones,
    emails: l.emails,
    primaryPhone: l.primaryPhone,
    primaryEmail: l.primaryEmail,
    contactId: l.contactId,
    company: l.company,
    source: l.source,
    status: l.status,
    notes: l.notes,
    nextCallAt: l.nextCallAt,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
    assignedToId: l.assignedToId,
    clientId: l.clientId,
  };
}
