// In-memory MEGA CRM account: leads with the vendor's timestamp rules, hard deletes, and test controls.
import { FaultQueue, pathContains } from '../../sim-common/faults.js';
import { randomBytes } from 'node:crypto';
import { listenApp } from '../../sim-common/serve.js';
import type { Hono } from 'hono';
import { int, pick, type Random } from '../../sim-common/random.js';
import { SimRateLimiter, type SimRateLimit } from '../../sim-common/rate-limit.js';
import type { SimFault, SimRequest, SimServerHandle, SimSourceConfig, VendorSimulator } from '../../sim-common/types.js';
import { fakeLeadId, fakeLeadProfile } from './fake-data.js';
import { stageForStatus, stageMove } from './pipeline.js';
import { isUuid } from './query.js';
import { createMegaApp, MEGA_KEY_FORMAT } from './routes.js';
import {
  MEGA_MANAGED_FIELDS,
  type MegaChange,
  type MegaChangeKind,
  type MegaLead,
  type MegaLeadPatch,
  type MegaSimulatorOptions,
} from './types.js';

/** The customer a simulator acts as unless told otherwise; fixed so configs and fixtures can name it. */
export const DEFAULT_MEGA_CUSTOMER_ID = '3f2b8c4e-9d1a-4e6b-8a7c-5d0e1f2a3b4c';

/** MEGA's documented limits: 60 requests a minute and 1000 an hour. */
export const MEGA_DEFAULT_RATE_LIMITS: readonly SimRateLimit[] = [
  { limit: 60, windowMs: 60_000 },
  { limit: 1000, windowMs: 3_600_000 },
];

const DAY_MS = 86_400_000;

export class MegaSimulator implements VendorSimulator {
  readonly vendor = 'mega' as const;
  readonly app: Hono;
  readonly requests: SimRequest[] = [];
  readonly changes: MegaChange[] = [];
  readonly apiKey: string;
  readonly customerId: string;
  readonly now: () => number;
  readonly random: Random;

  readonly #leads = new Map<string, MegaLead>();
  /** Ids deleted before: a second deleteLead of one is a no-op, an id never seen is a test bug. */
  readonly #deleted = new Set<string>();
  readonly #faults = new FaultQueue<SimFault>();
  readonly #limiter: SimRateLimiter;
  readonly #limits: readonly SimRateLimit[];

  constructor(opts: MegaSimulatorOptions = {}) {
    // A key is a secret, so it comes from the CSPRNG, never from the (possibly seeded) data PRNG.
    this.apiKey = opts.apiKey ?? `mega_${randomBytes(32).toString('hex')}`;
    if (!MEGA_KEY_FORMAT.test(this.apiKey)) throw new Error('MEGA API keys look like mega_<64 lowercase hex>');
    this.customerId = opts.customerId ?? DEFAULT_MEGA_CUSTOMER_ID;
    if (!isUuid(this.customerId)) throw new Error('MEGA customer ids are UUIDs');
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.#limits = (opts.rateLimits ?? MEGA_DEFAULT_RATE_LIMITS).map((l) => ({ ...l }));
    this.#limiter = new SimRateLimiter(this.#limits, () => this.now());
    this.app = createMegaApp({
      apiKey: this.apiKey,
      customerId: this.customerId,
      now: () => this.now(),
      allLeads: () => [...this.#leads.values()],
      takeRate: () => (this.#limits.length === 0 ? undefined : this.#limiter.take()),
      ratePolicy: () => this.#limits.map((l) => `${l.limit};w=${Math.round(l.windowMs / 1000)}`).join(', ') || undefined,
      takeFault: (path) => this.#takeFault(path),
      logRequest: (entry) => this.requests.push(entry),
    });
  }

  listen(port = 0, host = '127.0.0.1'): Promise<SimServerHandle> {
    return listenApp(this.app, port, host);
  }

  /** `n` leads created over the last 60 days, some worked since (interactions, later updates). */
  seed(n: number): string[] {
    const nowMs = this.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const createdMs = nowMs - int(this.random, 60_000, 60 * DAY_MS);
      const lead = this.#insert({}, createdMs);
      const count = pick(this.random, [0, 0, 0, 1, 1, 2, 3, 5, 8, 13]);
      // Never past "now", so later live changes always sort after the seeded history.
      const updatedMs = createdMs + int(this.random, 0, nowMs - createdMs);
      if (count > 0) {
        lead.interaction_count = count;
        lead.last_interaction_at = iso(createdMs + int(this.random, 0, updatedMs - createdMs));
      }
      lead.updated_at = iso(updatedMs);
      ids.push(lead.id);
    }
    return ids;
  }

  /**
   * A lead with lifelike values; `fields` override them by wire name (id and created_at included).
   * A status without a current_stage gets a stage that agrees with it.
   */
  createLead(fields: Partial<MegaLead> | Record<string, unknown> = {}): string {
    return this.#insert(fields as Partial<MegaLead>, this.now()).id;
  }

  /** Shallow-merges `patch` (custom_fields merged key by key) and bumps updated_at; a no-op patch bumps nothing. */
  updateLead(id: string, patch: MegaLeadPatch): MegaLead {
    const lead = this.#lead(id);
    for (const key of MEGA_MANAGED_FIELDS) {
      if (key in patch) throw new Error(`updateLead cannot set ${key}: the simulator maintains it (use recordInteraction or deleteLead)`);
    }
    const next: Record<string, unknown> = { ...patch };
    if (patch.custom_fields) next.custom_fields = { ...lead.custom_fields, ...patch.custom_fields };
    const changed = Object.entries(next).filter(
      ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify((lead as unknown as Record<string, unknown>)[k]),
    );
    if (changed.length === 0) return clone(lead);
    for (const [k, v] of changed) (lead as unknown as Record<string, unknown>)[k] = clone(v);
    lead.updated_at = iso(this.now());
    this.#record('lead.updated', id, lead.updated_at);
    return clone(lead);
  }

  /** A realistic pipeline move (status and/or stage, with score), always a visible change. */
  touchLead(id: string): void {
    this.updateLead(id, stageMove(this.random, this.#lead(id)));
  }

  /** Interactions are counters only: the count, last_interaction_at and updated_at all move. */
  recordInteraction(id: string): MegaLead {
    const lead = this.#lead(id);
    const at = iso(this.now());
    lead.interaction_count += 1;
    lead.last_interaction_at = at;
    lead.updated_at = at;
    this.#record('interaction', id, at);
    return clone(lead);
  }

  /** MEGA has no delete flag or endpoint: the lead just stops being listed. */
  deleteLead(id: string): void {
    if (this.#deleted.has(id)) return;
    this.#lead(id);
    this.#leads.delete(id);
    this.#deleted.add(id);
    this.#record('lead.deleted', id, iso(this.now()));
  }

  getLead(id: string): MegaLead | undefined {
    const lead = this.#leads.get(id);
    return lead ? clone(lead) : undefined;
  }

  leads(): MegaLead[] {
    return [...this.#leads.values()].map(clone);
  }

  leadIds(): string[] {
    return [...this.#leads.keys()];
  }

  /** The next `n` requests to a matching path (after rate limiting and auth) get `fault` instead. Calls queue in order. */
  failNext(n: number, fault: SimFault): void {
    this.#faults.add(n, fault);
  }

  sourceConfig(url: string): SimSourceConfig {
    return { vendor: 'mega', baseUrl: url, apiKey: this.apiKey, customerId: this.customerId };
  }

  #takeFault(path: string): SimFault | undefined {
    return this.#faults.take(pathContains(path));
  }

  #insert(fields: Partial<MegaLead>, atMs: number): MegaLead {
    const profile = fakeLeadProfile(this.random);
    const given = clone(definedOnly(fields));
    if (given.status !== undefined && given.current_stage === undefined) given.current_stage = stageForStatus(this.random, given.status);
    const createdAt = given.created_at ?? iso(atMs);
    const merged: MegaLead = {
      id: fakeLeadId(this.random),
      ...profile,
      created_at: createdAt,
      updated_at: createdAt,
      last_interaction_at: null,
      interaction_count: 0,
      ...given,
      // The key is locked to one customer; a lead of another customer could never be listed.
      customer_id: this.customerId,
    };
    const lead = inSchemaOrder(merged);
    if (this.#leads.has(lead.id) || this.#deleted.has(lead.id)) throw new Error(`lead ${lead.id} already exists`);
    this.#leads.set(lead.id, lead);
    this.#record('lead.created', lead.id, lead.created_at);
    return lead;
  }

  #lead(id: string): MegaLead {
    const lead = this.#leads.get(id);
    if (!lead) throw new Error(`unknown MEGA lead ${id}`);
    return lead;
  }

  #record(kind: MegaChangeKind, leadId: string, at: string): void {
    this.changes.push({ kind, leadId, at });
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

// The wire order of the docs' schema, whatever order the caller's fields arrived in. Fields the docs
// do not list (a test passing one to createLead) follow, as an API adding a field would send them.
function inSchemaOrder(l: MegaLead): MegaLead {
  const ordered: MegaLead = {
    id: l.id,
    customer_id: l.customer_id,
    source_platform: l.source_platform,
    source_type: l.source_type,
    status: l.status,
    created_at: l.created_at,
    updated_at: l.updated_at,
    contact_name: l.contact_name,
    contact_phone: l.contact_phone,
    contact_email: l.contact_email,
    score: l.score,
    qualified: l.qualified,
    current_stage: l.current_stage,
    owner: l.owner,
    last_interaction_at: l.last_interaction_at,
    interaction_count: l.interaction_count,
    custom_fields: l.custom_fields,
  };
  return { ...ordered, ...l, ...ordered };
}
