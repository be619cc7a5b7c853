// The simulated account's pipeline: stages, owners, and the status/stage moves a real team makes.
import { chance, int, pick, type Random } from '../../sim-common/random.js';
import type { MegaLead, MegaLeadPatch, MegaOwner, MegaStage } from './types.js';

// Fixed ids, as a real account's stages and users keep theirs: stageId filters in tests can name them.
export const MEGA_STAGES = {
  newLead: { id: '0b6f4c2e-3a1d-4e8b-9c71-5d2a8e4f6b10', slug: 'new-lead', name: 'New Lead', color: '#3B82F6' },
  attempting: { id: '1c7a5d3f-4b2e-4f9c-8d82-6e3b9f5a7c21', slug: 'attempting-contact', name: 'Attempting Contact', color: '#F59E0B' },
  engaged: { id: '2d8b6e4a-5c3f-4a0d-9e93-7f4c0a6b8d32', slug: 'engaged', name: 'Engaged', color: '#8B5CF6' },
  appointment: { id: '3e9c7f5b-6d4a-4b1e-8fa4-8a5d1b7c9e43', slug: 'appointment-set', name: 'Appointment Set', color: '#06B6D4' },
  underContract: { id: '4fad8a6c-7e5b-4c2f-9ab5-9b6e2c8dafb4', slug: 'under-contract', name: 'Under Contract', color: '#10B981' },
  closed: { id: '5abe9b7d-8f6c-4d3a-8bc6-ac7f3d9eb0c5', slug: 'closed', name: 'Closed', color: '#16A34A' },
  nurture: { id: '6bcfac8e-9a7d-4e4b-9cd7-bd8a4eafc1d6', slug: 'long-term-nurture', name: 'Long-term Nurture', color: '#94A3B8' },
  lost: { id: '7cd0bd9f-ab8e-4f5c-8de8-ce9b5fb0d2e7', slug: 'lost', name: 'Lost', color: '#EF4444' },
} as const satisfies Record<string, MegaStage>;

/** The stages an `active` lead moves through, in order. */
export const ACTIVE_STAGES: readonly MegaStage[] = [
  MEGA_STAGES.newLead,
  MEGA_STAGES.attempting,
  MEGA_STAGES.engaged,
  MEGA_STAGES.appointment,
  MEGA_STAGES.underContract,
];

export const MEGA_OWNERS: readonly MegaOwner[] = [
  // MEGA is an AI-agent platform: unworked leads sit with the AI agent until a human takes over.
  { id: '8de1cea0-bc9f-4a6d-9ef9-df0c6ac1e3f8', name: 'Mega AI Assistant', role_name: 'AI Agent' },
  { id: '9ef2dfb1-cda0-4b7e-8f0a-e01d7bd2f409', name: 'Jordan Alvarez', role_name: 'Agent' },
  { id: 'af03e0c2-deb1-4c8f-9a1b-f12e8ce3051a', name: 'Priya Raman', role_name: 'ISA' },
  { id: 'b014f1d3-efc2-4d90-8b2c-023f9df4162b', name: 'Marcus Bell', role_name: 'Team Lead' },
  { id: 'c12502e4-f0d3-4ea1-9c3d-1340aef5273c', name: 'Dana Whitfield', role_name: 'Agent' },
];

export const MEGA_STATUSES = ['active', 'won', 'lost', 'nurture', 'archived'] as const;

/** A status with a stage that agrees with it (a won lead is never sitting in "New Lead"). */
export function randomStatusAndStage(rnd: Random): { status: string; current_stage: MegaStage } {
  const r = rnd();
  if (r < 0.62) {
    // Leads pile up early in the funnel.
    const stage = pick(rnd, [0, 0, 0, 1, 1, 1, 2, 2, 3, 4].map((i) => ACTIVE_STAGES[i] as MegaStage));
    return { status: 'active', current_stage: { ...stage } };
  }
  if (r < 0.77) return { status: 'nurture', current_stage: { ...MEGA_STAGES.nurture } };
  if (r < 0.85) return { status: 'won', current_stage: { ...MEGA_STAGES.closed } };
  if (r < 0.94) return { status: 'lost', current_stage: { ...MEGA_STAGES.lost } };
  return { status: 'archived', current_stage: { ...pick(rnd, [MEGA_STAGES.lost, MEGA_STAGES.newLead, MEGA_STAGES.attempting]) } };
}

/** The stage a lead given only a status would be in. */
export function stageForStatus(rnd: Random, status: string): MegaStage {
  switch (status) {
    case 'won':
      return { ...MEGA_STAGES.closed };
    case 'lost':
      return { ...MEGA_STAGES.lost };
    case 'nurture':
      return { ...MEGA_STAGES.nurture };
    default:
      return { ...pick(rnd, ACTIVE_STAGES.slice(0, 3)) };
  }
}

/** Score and qualification move with the funnel, so later stages look like warmer leads. */
export function scoreFor(rnd: Random, stage: MegaStage): { score: number; qualified: boolean } {
  const i = ACTIVE_STAGES.findIndex((s) => s.id === stage.id);
  if (stage.id === MEGA_STAGES.closed.id) return { score: int(rnd, 85, 100), qualified: true };
  if (stage.id === MEGA_STAGES.lost.id) return { score: int(rnd, 0, 30), qualified: chance(rnd, 0.2) };
  if (stage.id === MEGA_STAGES.nurture.id) return { score: int(rnd, 20, 55), qualified: chance(rnd, 0.3) };
  const base = 15 + Math.max(0, i) * 17;
  return { score: Math.min(100, base + int(rnd, 0, 15)), qualified: i >= 3 || (i === 2 && chance(rnd, 0.5)) };
}

/**
 * The next status/stage change a team would make on this lead. Always changes the status or the
 * stage, so touchLead is guaranteed to surface as lead.updated.
 */
export function stageMove(rnd: Random, lead: Pick<MegaLead, 'status' | 'current_stage'>): MegaLeadPatch {
  const to = (status: string, stage: MegaStage): MegaLeadPatch => ({
    status,
    current_stage: { ...stage },
    ...scoreFor(rnd, stage),
  });
  switch (lead.status) {
    case 'active': {
      const i = ACTIVE_STAGES.findIndex((s) => s.id === lead.current_stage.id);
      const r = rnd();
      if (r < 0.15) return to('nurture', MEGA_STAGES.nurture);
      if (r < 0.25) return to('lost', MEGA_STAGES.lost);
      if (i === ACTIVE_STAGES.length - 1) return to('won', MEGA_STAGES.closed);
      return to('active', ACTIVE_STAGES[i + 1] ?? MEGA_STAGES.newLead);
    }
    case 'nurture':
      // A nurtured lead replying again is back in play.
      return to('active', MEGA_STAGES.engaged);
    case 'lost':
      return to('nurture', MEGA_STAGES.nurture);
    case 'won':
      // Closed deals get archived once the transaction is done.
      return { status: 'archived' };
    default:
      // Archived (or an unknown status set by a test): a fresh inquiry reopens the lead.
      return to('active', MEGA_STAGES.newLead);
  }
}
