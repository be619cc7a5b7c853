// Lifelike fake Nexus ERP leads (B2B contacts at fictional companies), so tests and the demo see production-shaped data.
import { chance, int, pick, type Random } from '../../sim-common/random.js';
import { foreignObjectId } from './ids.js';
import { callSlot, DAY_MS, futureSlot, iso } from './schedule.js';
import type { NexusLead, NexusStatus } from './types.js';

const FIRST_NAMES = [
  'Jane', 'Marcus', 'Priya', 'Daniel', 'Sofia', 'Kwame', 'Laura', 'Hiroshi', 'Elena', 'Brandon',
  'Amara', 'Lucas', 'Megan', 'Tariq', 'Chen', 'Natalie', 'Rafael', 'Ingrid', 'Jordan', 'Aaliyah',
  'Patrick', 'Mei', 'Oscar', 'Deborah', 'Samuel', 'Fatima', 'Greg', 'Valentina', 'Ibrahim', 'Rachel',
];

const LAST_NAMES = [
  'Doe', 'Okafor', 'Sharma', 'Kowalski', 'Rossi', 'Mensah', 'Bennett', 'Tanaka', 'Petrova', 'Hughes',
  'Nwosu', 'Silva', 'Fitzgerald', 'Haddad', 'Wu', 'Larsen', 'Moreno', 'Lindqvist', 'Reyes', 'Brooks',
  "O'Connor", 'Nakamura', 'Dubois', 'Abernathy', 'Goldberg', 'Al-Amin', 'McKenzie', 'Castillo', 'Yilmaz', 'Park',
];

// Microsoft's and Nexus's own documentation companies plus small-business names: plausible, and nobody's real customer.
const COMPANIES = [
  'Acme Co', 'Contoso Ltd', 'Fabrikam Inc', 'Northwind Traders', 'Tailspin Toys', 'Wide World Importers',
  'Adventure Works', 'Litware Inc', 'Woodgrove Bank', 'Alpine Ski House', 'Coho Winery', 'Fourth Coffee',
  'Lucerne Publishing', 'Trey Research', 'Wingtip Toys', 'Humongous Insurance', 'Blue Yonder Airlines',
  'Southridge Video', 'Rivera Plumbing & Heating', 'Okafor Family Dental', 'Summit Roofing LLC',
  'Greenleaf Landscaping', 'Lakeside Auto Repair', 'Brightpath HVAC', 'Harborview Property Management',
  'Cedar & Pine Interiors', 'Meridian Logistics', 'Keystone Accounting Group',
];

// Free text in the vendor, lowercase in the docs' examples ("website", "referral").
const SOURCES = ['website', 'website', 'website', 'referral', 'referral', 'trade show', 'cold call', 'linkedin', 'google ads', 'partner'];

// Real area codes with the 555-01xx line range reserved for fiction: realistic, yet nobody's phone.
const AREA_CODES = ['212', '415', '312', '617', '206', '512', '303', '404', '646', '702', '713', '919', '503', '602'];

// Reserved example domains (RFC 2606), so demo output never names a real mailbox.
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];

const NOTES: Record<NexusStatus, readonly string[]> = {
  NOT_CONTACTED: ['Came in through the pricing page form.', 'Met at the spring expo booth; wants a call.', 'Referred by an existing client.'],
  CONTACTED: [
    'Left voicemail, will try again Thursday.',
    'Gatekeeper says call back after 2pm.',
    'Spoke briefly; asked for a one-pager by email.',
    'Interested, but the decision sits with the ops director.',
  ],
  QUALIFIED: [
    'Budget approved for Q3; needs a proposal for 25 seats.',
    'Demo went well; comparing us with one other vendor.',
    'Wants annual billing and an onboarding call.',
  ],
  CONVERTED: ['Signed the annual plan; handed over to onboarding.', 'Contract countersigned, kickoff booked.'],
  LOST: ['Went with a competitor on price.', 'No budget this year; revisit next fiscal year.', 'Wrong number, no other contact found.'],
};

export function fakePhone(rnd: Random): string {
  return `+1${pick(rnd, AREA_CODES)}55501${String(int(rnd, 0, 99)).padStart(2, '0')}`;
}

export function fakeEmail(rnd: Random, first: string, last: string): string {
  const f = first.toLowerCase().replace(/[^a-z]/g, '');
  const l = last.toLowerCase().replace(/[^a-z]/g, '');
  const local = pick(rnd, [`${f}.${l}`, `${f[0] ?? 'x'}${l}`, `${f}${int(rnd, 1, 99)}`, `${f}_${l}`]);
  return `${local}@${pick(rnd, EMAIL_DOMAINS)}`;
}

export function fakeNote(rnd: Random, status: NexusStatus): string {
  return pick(rnd, NOTES[status]);
}

/** The docs' example style: "Acme Co - Jane Doe", or just the person when there is no company. */
export function leadName(company: string | null, person: string): string {
  return company ? `${company} - ${person}` : person;
}

// A pipeline as it tends to look: many untouched and early leads, fewer won or lost.
function agedStatus(rnd: Random): NexusStatus {
  const r = rnd();
  if (r < 0.3) return 'NOT_CONTACTED';
  if (r < 0.6) return 'CONTACTED';
  if (r < 0.78) return 'QUALIFIED';
  if (r < 0.88) return 'CONVERTED';
  return 'LOST';
}

export type LeadProfile = Omit<NexusLead, 'id' | 'contactId' | 'createdAt' | 'updatedAt'>;

export interface ProfileContext {
  nowMs: number;
  createdMs: number;
  /** OrgMember ids a lead can be assigned to. */
  members: readonly string[];
  /** A lead that just arrived (NOT_CONTACTED, no notes) rather than one with a history. */
  fresh: boolean;
}

export function fakeLeadProfile(rnd: Random, ctx: ProfileContext): LeadProfile {
  const first = pick(rnd, FIRST_NAMES);
  const last = pick(rnd, LAST_NAMES);
  const company = chance(rnd, 0.85) ? pick(rnd, COMPANIES) : null;

  // At least one way to reach the person; some have a second number (mobile) or a personal email.
  const phones = chance(rnd, 0.93) ? [fakePhone(rnd)] : [];
  if (phones.length > 0 && chance(rnd, 0.2)) phones.push(fakePhone(rnd));
  const emails = phones.length === 0 || chance(rnd, 0.88) ? [fakeEmail(rnd, first, last)] : [];
  if (emails.length > 0 && chance(rnd, 0.15)) emails.push(fakeEmail(rnd, first, last));
  const phoneList = [...new Set(phones)];
  const emailList = [...new Set(emails)];

  const status: NexusStatus = ctx.fresh ? 'NOT_CONTACTED' : agedStatus(rnd);
  // Dated like the lines reps append later (see sales.ts), so old and new notes read alike.
  const noted = ctx.fresh ? false : status !== 'NOT_CONTACTED' || chance(rnd, 0.3);
  const notes = noted ? `[${iso(ctx.createdMs).slice(0, 10)}] ${fakeNote(rnd, status)}` : null;

  let nextCallAt: string | null = null;
  if (ctx.fresh) {
    if (chance(rnd, 0.5)) nextCallAt = iso(futureSlot(rnd, ctx.nowMs, 2));
  } else if (status !== 'CONVERTED' && status !== 'LOST' && chance(rnd, status === 'NOT_CONTACTED' ? 0.7 : 0.88)) {
    // Up to three days overdue or three weeks ahead, but never before the lead existed.
    let slot = callSlot(rnd, ctx.nowMs, -3, 21);
    while (slot <= ctx.createdMs) slot += DAY_MS;
    nextCallAt = iso(slot);
  }

  const unassignedOdds = status === 'NOT_CONTACTED' ? 0.45 : 0.05;
  const assignedToId = ctx.members.length > 0 && !chance(rnd, unassignedOdds) ? pick(rnd, ctx.members) : null;
  // Converted leads become clients; a few open leads are upsells to an existing client.
  const clientId = status === 'CONVERTED' || chance(rnd, 0.04) ? foreignObjectId(rnd, ctx.createdMs) : null;

  return {
    name: leadName(company, `${first} ${last}`),
    phones: phoneList,
    emails: emailList,
    primaryPhone: phoneList[0] ?? null,
    primaryEmail: emailList[0] ?? null,
    company,
    source: chance(rnd, 0.9) ? pick(rnd, SOURCES) : null,
    status,
    notes,
    nextCallAt,
    assignedToId,
    clientId,
  };
}
