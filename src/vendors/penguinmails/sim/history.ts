// Plausible campaign activity for a lead of a given status, so seeded details match their list rows.
import { chance, int, type Random } from '../../sim-common/random.js';
import type { PenguinMailsActivityType, PenguinMailsLeadStatus } from './types.js';

export interface PlannedActivity {
  type: PenguinMailsActivityType;
  atMs: number;
}

/**
 * A sequence step by step: a send, maybe opens and clicks, follow-ups, and a reply for leads that
 * replied or converted. A contacted lead may have bounced or unsubscribed (its status stays, as the
 * docs define no status for those). New leads have no activity yet. Times ascend within [fromMs, toMs].
 */
export function plannedHistory(rnd: Random, status: PenguinMailsLeadStatus, fromMs: number, toMs: number): PlannedActivity[] {
  if (status === 'new') return [];
  const types: PenguinMailsActivityType[] = ['email_sent'];
  if (status === 'contacted' && chance(rnd, 0.07)) {
    types.push('bounced');
  } else {
    if (chance(rnd, status === 'contacted' ? 0.55 : 0.85)) {
      types.push('email_opened');
      if (chance(rnd, 0.3)) types.push('email_clicked');
    }
    if (chance(rnd, 0.45)) {
      // A follow-up step of the same sequence.
      types.push('email_sent');
      if (chance(rnd, 0.4)) types.push('email_opened');
    }
    if (status !== 'contacted') types.push('replied');
    else if (types.includes('email_opened') && chance(rnd, 0.06)) types.push('unsubscribed');
  }
  const span = Math.max(types.length, toMs - fromMs);
  let at = fromMs;
  return types.map((type) => {
    // Spread steps over the lead's lifetime without ever passing toMs.
    at = Math.min(toMs, at + int(rnd, 1_000, Math.max(1_000, Math.floor(span / (types.length + 1)))));
    return { type, atMs: at };
  });
}
