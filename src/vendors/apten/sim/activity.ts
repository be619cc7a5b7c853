// Background "users at work" for the Apten simulator: one random, realistic change per tick.
import { interaction, type InteractionKind } from './conversation.js';
import { eventIdFor, fakeEmail, fakeLeadProfile, fakePhone, fakeSummary, leadId, TAG_POOL } from './fake-data.js';
import { pick, token, type Random } from '../../sim-common/random.js';
import type { AptenSimulator } from './simulator.js';
import type { AptenEvent, AptenLead } from './types.js';

export type AptenActivityKind =
  | 'lead.new'
  | 'lead.edit'
  | 'message.outbound'
  | 'message.inbound'
  | 'message.status'
  | 'call'
  | 'email'
  | 'compliance'
  | 'voicemail'
  | 'lead.delete'
  | 'lead.restore';

export interface AptenActivityOptions {
  everyMs: number;
  /** Every choice, id and fake value comes from here, so a seeded PRNG replays the same story. */
  random?: Random;
}

export function startAptenActivity(sim: AptenSimulator, opts: AptenActivityOptions): { stop(): void } {
  const rnd = opts.random ?? Math.random;
  const timer = setInterval(() => aptenActivityStep(sim, rnd), opts.everyMs);
  // Activity alone should never keep a process (or a test run) alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

// Cumulative weights; new leads dominate, destructive changes are rare, as in a live account.
const WEIGHTS: Array<[AptenActivityKind, number]> = [
  ['lead.new', 0.24],
  ['lead.edit', 0.14],
  ['message.outbound', 0.13],
  ['message.inbound', 0.12],
  ['message.status', 0.14],
  ['call', 0.08],
  ['email', 0.05],
  ['compliance', 0.04],
  ['voicemail', 0.03],
  ['lead.delete', 0.02],
  ['lead.restore', 0.01],
];

const INTERACTIONS: Partial<Record<AptenActivityKind, InteractionKind>> = {
  'message.outbound': 'outbound',
  'message.inbound': 'inbound',
  call: 'call',
  email: 'email',
  compliance: 'blocked',
  voicemail: 'voicemail',
};

/** Performs one change and says which; exported so tests can drive activity without timers. */
export function aptenActivityStep(sim: AptenSimulator, rnd: Random): AptenActivityKind {
  const all = sim.leads();
  const live = all.filter((l) => !l.deleted);
  let kind = weighted(rnd);
  if (live.length === 0 && kind !== 'lead.restore') kind = 'lead.new';

  switch (kind) {
    case 'lead.new':
      sim.createLead({ id: leadId(rnd), ...fakeLeadProfile(rnd) });
      return kind;
    case 'lead.edit':
      editProfile(sim, pick(rnd, live), rnd);
      return kind;
    case 'message.status':
      if (advanceStatus(sim, live, rnd)) return kind;
      kind = 'message.outbound';
      break;
    case 'lead.delete':
      sim.deleteLead(pick(rnd, live).id);
      return kind;
    case 'lead.restore': {
      const deleted = all.filter((l) => l.deleted);
      if (deleted.length > 0) {
        sim.restoreLead(pick(rnd, deleted).id);
        return kind;
      }
      if (live.length === 0) {
        sim.createLead({ id: leadId(rnd), ...fakeLeadProfile(rnd) });
        return 'lead.new';
      }
      kind = 'message.outbound';
      break;
    }
    default:
      break;
  }

  const lead = pick(rnd, live);
  const next = interaction(rnd, INTERACTIONS[kind] ?? 'outbound', lead);
  sim.addEvent(lead.id, { type: next.type, id: eventIdFor(next.type, rnd), data: next.data });
  sim.updateLead(lead.id, next.leadPatch);
  return kind;
}

function weighted(rnd: Random): AptenActivityKind {
  let r = rnd() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of WEIGHTS) {
    if ((r -= w) < 0) return kind;
  }
  return 'lead.new';
}

function editProfile(sim: AptenSimulator, lead: AptenLead, rnd: Random): void {
  const edit = pick(rnd, ['email', 'phone', 'tagAdd', 'tagRemove', 'qualified', 'summary', 'crm', 'info'] as const);
  const first = lead.firstName ?? 'lead';
  const last = lead.lastName ?? 'unknown';
  switch (edit) {
    case 'email':
      return void sim.updateLead(lead.id, { email: fakeEmail(rnd, first, last) });
    case 'phone':
      return void sim.updateLead(lead.id, { phone: fakePhone(rnd) });
    case 'tagAdd': {
      const tag = pick(rnd, TAG_POOL);
      if (lead.tags.some((t) => t.id === tag.id)) return void sim.updateLead(lead.id, { isHot: !lead.isHot });
      return void sim.updateLead(lead.id, { tags: [...lead.tags, { ...tag }] });
    }
    case 'tagRemove':
      if (lead.tags.length === 0) return void sim.updateLead(lead.id, { tags: [{ ...pick(rnd, TAG_POOL) }] });
      return void sim.updateLead(lead.id, { tags: lead.tags.slice(1) });
    case 'qualified':
      return void sim.updateLead(lead.id, { isQualified: !lead.isQualified });
    case 'summary':
      return void sim.updateLead(lead.id, { summary: `${fakeSummary(rnd)} (${token(rnd, 4)})` });
    case 'crm':
      return void sim.updateLead(lead.id, { externalLeadId: `00Q${token(rnd, 15, '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ')}` });
    case 'info':
      return void sim.updateLead(lead.id, {
        additionalInfo: { ...(lead.additionalInfo ?? {}), lastFormFill: token(rnd, 6), preferredTime: pick(rnd, ['morning', 'afternoon', 'evening']) },
      });
  }
}

const NEXT_STATUS: Record<string, string[]> = {
  SENT: ['DELIVERED', 'DELIVERED', 'DELIVERED', 'FAILED'],
  DELIVERED: ['READ'],
};

/** Delivery receipts arriving later: the vendor edits the message in place and bumps its updatedAt. */
function advanceStatus(sim: AptenSimulator, live: AptenLead[], rnd: Random): boolean {
  const active = live.filter((l) => l.lastActivityAt !== null);
  for (let attempt = 0; attempt < 5 && active.length > 0; attempt++) {
    const lead = pick(rnd, active);
    const candidates = sim
      .events(lead.id)
      .filter((e: AptenEvent) => (e.type === 'MESSAGE' || e.type === 'EMAIL') && typeof e.data.status === 'string' && Object.hasOwn(NEXT_STATUS, e.data.status));
    if (candidates.length === 0) continue;
    const ev = pick(rnd, candidates);
    sim.editEvent(lead.id, ev.id, { status: pick(rnd, NEXT_STATUS[ev.data.status as string] ?? ['DELIVERED']) });
    return true;
  }
  return false;
}
