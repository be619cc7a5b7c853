// What a sales team does to a lead between polls (status moves, notes, reschedules), shared by touchLead, volatility and activity.
import { chance, pick, type Random } from '../../sim-common/random.js';
import { fakeEmail, fakeNote, fakePhone } from './fake-data.js';
import { foreignObjectId } from './ids.js';
import { futureSlot, iso } from './schedule.js';
import type { NexusLead, NexusStatus } from './types.js';

// Notes grow with every call; keep the tail so a long-running demo does not grow them without bound.
const MAX_NOTE_LINES = 6;

/** Appends a dated line as a rep would; always changes `notes`. */
export function notesPatch(lead: NexusLead, rnd: Random, nowMs: number, text?: string): Pick<NexusLead, 'notes'> {
  const line = `[${iso(nowMs).slice(0, 10)}] ${text ?? fakeNote(rnd, lead.status)}`;
  const lines = [...(lead.notes ? lead.notes.split('\n') : []), line].slice(-MAX_NOTE_LINES);
  let notes = lines.join('\n');
  if (notes === lead.notes) notes += ' (again)';
  return { notes };
}

/** A new nextCallAt strictly in the future and different from the current one. */
export function rescheduledCall(lead: NexusLead, rnd: Random, nowMs: number): string {
  let next = iso(futureSlot(rnd, nowMs));
  if (next === lead.nextCallAt) next = iso(Date.parse(next) + 15 * 60_000);
  return next;
}

// Where a lead can go next; reopening a lost lead happens, undoing a conversion mostly does not.
const TRANSITIONS: Record<NexusStatus, ReadonlyArray<NexusStatus>> = {
  NOT_CONTACTED: ['CONTACTED', 'CONTACTED', 'CONTACTED', 'CONTACTED', 'LOST'],
  CONTACTED: ['QUALIFIED', 'QUALIFIED', 'LOST'],
  QUALIFIED: ['CONVERTED', 'CONVERTED', 'CONVERTED', 'LOST', 'LOST'],
  CONVERTED: ['LOST'],
  LOST: ['CONTACTED'],
};

/** Moves the lead to a plausible next status, with the side effects a CRM applies alongside. */
export function statusPatch(lead: NexusLead, rnd: Random, nowMs: number): Partial<NexusLead> {
  const status = pick(rnd, TRANSITIONS[lead.status]);
  const patch: Partial<NexusLead> = { status };
  if (status === 'CONVERTED' || status === 'LOST') {
    // Closed either way: nothing left to call about.
    patch.nextCallAt = null;
    if (status === 'CONVERTED' && lead.clientId === null) patch.clientId = foreignObjectId(rnd, nowMs);
  } else {
    patch.nextCallAt = rescheduledCall(lead, rnd, nowMs);
  }
  if (chance(rnd, 0.6)) Object.assign(patch, notesPatch(lead, rnd, nowMs, fakeNote(rnd, status)));
  return patch;
}

/** A second number or address turning up (new mobile, personal email); the primary stays. */
export function contactPatch(lead: NexusLead, rnd: Random): Partial<NexusLead> {
  const [first = 'contact', last = 'person'] = lead.name.split(' - ').at(-1)?.split(' ') ?? [];
  if (chance(rnd, 0.5)) {
    const phone = fakePhone(rnd);
    if (!lead.phones.includes(phone)) {
      return { phones: [...lead.phones, phone], primaryPhone: lead.primaryPhone ?? phone };
    }
  }
  const base = fakeEmail(rnd, first, last);
  let email = base;
  for (let n = 2; lead.emails.includes(email); n++) email = base.replace('@', `${n}@`);
  return { emails: [...lead.emails, email], primaryEmail: lead.primaryEmail ?? email };
}

/** Hand the lead to another rep, or back to the unassigned pool. */
export function assignPatch(lead: NexusLead, rnd: Random, members: readonly string[]): Pick<NexusLead, 'assignedToId'> {
  const options: Array<string | null> = [...members, null].filter((m) => m !== lead.assignedToId);
  return { assignedToId: options.length > 0 ? pick(rnd, options) : null };
}
