// Background "team at work" for the MEGA simulator: one random, realistic change per tick.
import { chance, int, pick, token, type Random } from '../../sim-common/random.js';
import { fakeEmail, fakeLeadId, fakeLeadProfile, fakePhone } from './fake-data.js';
import { MEGA_OWNERS, stageMove } from './pipeline.js';
import type { MegaSimulator } from './simulator.js';
import type { MegaLead, MegaLeadPatch } from './types.js';

export type MegaActivityKind = 'lead.new' | 'lead.stage' | 'lead.edit' | 'interaction' | 'lead.remove';

export interface MegaActivityOptions {
  everyMs: number;
  /** Every choice, id and fake value comes from here, so a seeded PRNG replays the same story. */
  random?: Random;
}

export function startMegaActivity(sim: MegaSimulator, opts: MegaActivityOptions): { stop(): void } {
  const rnd = opts.random ?? Math.random;
  const timer = setInterval(() => megaActivityStep(sim, rnd), opts.everyMs);
  // Activity alone should never keep a process (or a test run) alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

// Interactions dominate a working CRM; removals (MEGA's only delete, by absence) are rare.
const WEIGHTS: Array<[MegaActivityKind, number]> = [
  ['lead.new', 0.22],
  ['lead.stage', 0.2],
  ['lead.edit', 0.14],
  ['interaction', 0.41],
  ['lead.remove', 0.03],
];

/** Performs one change and says which; exported so tests can drive activity without timers. */
export function megaActivityStep(sim: MegaSimulator, rnd: Random): MegaActivityKind {
  const live = sim.leads();
  const kind = live.length === 0 ? 'lead.new' : weighted(rnd);
  switch (kind) {
    case 'lead.new':
      sim.createLead({ id: fakeLeadId(rnd), ...fakeLeadProfile(rnd) });
      break;
    case 'lead.stage': {
      const lead = pick(rnd, live);
      sim.updateLead(lead.id, stageMove(rnd, lead));
      break;
    }
    case 'lead.edit': {
      const lead = pick(rnd, live);
      sim.updateLead(lead.id, profileEdit(rnd, lead));
      break;
    }
    case 'interaction':
      // Recently active leads get most of the conversation.
      sim.recordInteraction(pick(rnd, chance(rnd, 0.6) ? newest(live, 10) : live).id);
      break;
    case 'lead.remove':
      sim.deleteLead(pick(rnd, live).id);
      break;
  }
  return kind;
}

function weighted(rnd: Random): MegaActivityKind {
  let r = rnd() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of WEIGHTS) {
    if ((r -= w) < 0) return kind;
  }
  return 'interaction';
}

function newest(leads: MegaLead[], n: number): MegaLead[] {
  return [...leads].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at)).slice(0, n);
}

/** An edit a human makes in the CRM; each variant differs from the current value, so it always shows. */
function profileEdit(rnd: Random, lead: MegaLead): MegaLeadPatch {
  switch (pick(rnd, ['owner', 'email', 'phone', 'score', 'custom', 'lead_line'] as const)) {
    case 'owner': {
      const others = MEGA_OWNERS.filter((o) => o.id !== lead.owner.id);
      return { owner: { ...pick(rnd, others) } };
    }
    case 'email':
      return { contact_email: differentFrom(lead.contact_email, () => fakeEmail(rnd, lead.contact_name), (cur) => (cur === 'lead@example.com' ? 'lead@example.net' : 'lead@example.com')) };
    case 'phone':
      return { contact_phone: differentFrom(lead.contact_phone, () => fakePhone(rnd), (cur) => (cur === '+12125550100' ? '+12125550101' : '+12125550100')) };
    case 'score':
      return { score: (lead.score + int(rnd, 1, 99)) % 101 };
    case 'custom':
      // Agents refine timeframe and notes as they learn more; custom_fields merge key by key.
      return { custom_fields: { timeframe: pick(rnd, ['0-3 months', '3-6 months', '6-12 months']), last_note: `note_${token(rnd, 6)}` } };
    case 'lead_line':
      // A buyer who turns out to need to sell first (or the reverse).
      return { custom_fields: { lead_line: lead.custom_fields.lead_line === 'buyer' ? 'seller' : 'buyer' } };
  }
}

/** A fresh fake value unlike the current one: a few draws, then a fallback that differs by construction. */
function differentFrom(current: string, draw: () => string, fallback: (current: string) => string): string {
  for (let i = 0; i < 5; i++) {
    const v = draw();
    if (v !== current) return v;
  }
  return fallback(current);
}
