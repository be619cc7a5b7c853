// Background "sales team at work" for the Nexus ERP simulator: one random, realistic change per tick.
import { pick, type Random } from '../../sim-common/random.js';
import { fakeLeadProfile } from './fake-data.js';
import { assignPatch, contactPatch, notesPatch, rescheduledCall, statusPatch } from './sales.js';
import type { NexusSimulator } from './simulator.js';

export type NexusActivityKind = 'lead.new' | 'lead.status' | 'lead.notes' | 'lead.reschedule' | 'lead.assign' | 'lead.contact' | 'lead.delete';

export interface NexusActivityOptions {
  everyMs: number;
  /** Every choice and fake value comes from here (ids from the simulator's own PRNG), so seeded PRNGs replay the same story. */
  random?: Random;
}

export function startNexusActivity(sim: NexusSimulator, opts: NexusActivityOptions): { stop(): void } {
  const rnd = opts.random ?? Math.random;
  const timer = setInterval(() => nexusActivityStep(sim, rnd), opts.everyMs);
  // Activity alone should never keep a process (or a test run) alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

// Reschedules are the most common edit in a call-driven CRM, and the one that reorders the list; hard deletes are rare.
const WEIGHTS: Array<[NexusActivityKind, number]> = [
  ['lead.new', 0.22],
  ['lead.status', 0.2],
  ['lead.notes', 0.15],
  ['lead.reschedule', 0.25],
  ['lead.assign', 0.08],
  ['lead.contact', 0.07],
  ['lead.delete', 0.03],
];

/** Performs one change and says which; exported so tests can drive activity without timers. */
export function nexusActivityStep(sim: NexusSimulator, rnd: Random): NexusActivityKind {
  const leads = sim.leads();
  const kind: NexusActivityKind = leads.length === 0 ? 'lead.new' : weighted(rnd);
  const nowMs = sim.now();
  if (kind === 'lead.new') {
    sim.createLead({ ...fakeLeadProfile(rnd, { nowMs, createdMs: nowMs, members: sim.members, fresh: true }) });
    return kind;
  }
  const lead = pick(rnd, leads);
  switch (kind) {
    case 'lead.status':
      sim.updateLead(lead.id, statusPatch(lead, rnd, nowMs));
      break;
    case 'lead.notes':
      sim.updateLead(lead.id, notesPatch(lead, rnd, nowMs));
      break;
    case 'lead.reschedule':
      sim.updateLead(lead.id, { nextCallAt: rescheduledCall(lead, rnd, nowMs) });
      break;
    case 'lead.assign':
      sim.updateLead(lead.id, assignPatch(lead, rnd, sim.members));
      break;
    case 'lead.contact':
      sim.updateLead(lead.id, contactPatch(lead, rnd));
      break;
    case 'lead.delete':
      sim.deleteLead(lead.id);
      break;
  }
  return kind;
}

function weighted(rnd: Random): NexusActivityKind {
  let r = rnd() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of WEIGHTS) {
    if ((r -= w) < 0) return kind;
  }
  return 'lead.new';
}
