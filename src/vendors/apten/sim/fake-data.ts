// Lifelike fake leads and conversation events, so the demo and tests see data shaped like production.
import { chance, int, pick, token, uuid, type Random } from '../../sim-common/random.js';
import type { AptenLead, AptenTag } from './types.js';

const FIRST_NAMES = [
  'Maria', 'James', 'Aisha', 'Wei', 'Carlos', 'Emily', 'Darnell', 'Priya', 'Connor', 'Sofia',
  'Mohammed', 'Hannah', 'Luis', 'Grace', 'Tyrone', 'Mei', 'Ethan', 'Fatima', 'Jake', 'Olivia',
  'Andre', 'Nguyen', 'Rachel', 'Diego', 'Keisha', 'Brian', 'Yuki', 'Samantha', 'Omar', 'Chloe',
  'Raj', 'Brittany', 'Marcus', 'Ana', 'Kevin', 'Leah', 'Jamal', 'Isabella', 'Tom', 'Zoe',
];

const LAST_NAMES = [
  'Garcia', 'Smith', 'Johnson', 'Chen', 'Rodriguez', 'Williams', 'Patel', 'Brown', 'Nguyen', 'Jones',
  'Martinez', 'Kim', 'Davis', 'Hernandez', 'Miller', 'Lopez', 'Wilson', 'Singh', 'Anderson', 'Thomas',
  'Taylor', 'Moore', 'Jackson', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
  "O'Brien", 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'Wright', 'Scott', 'Khan',
];

// Real area codes with the 555-01xx line range, which is reserved for fiction: realistic, yet nobody's phone.
const AREA_CODES = ['212', '310', '312', '305', '404', '415', '512', '602', '617', '702', '713', '720', '206', '214', '303', '615', '503', '813', '919', '480'];

// Reserved example domains (RFC 2606) so demo output never names a real mailbox.
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com'];

const CUSTOMER_PROFILES = [
  'Solar Homeowners - Texas',
  'Roofing Storm Follow-up',
  'Medicare Advantage Inbound',
  'Mortgage Refi Q3',
  'Home Services Web Leads',
  'Auto Insurance Quotes',
];

export const TAG_POOL: readonly AptenTag[] = [
  { id: 'tag_k3x9p2', name: 'Interested', condition: 'Lead says they want to learn more or book a call' },
  { id: 'tag_m1q7zd', name: 'Appointment Set', condition: 'Lead agreed to a specific meeting time' },
  { id: 'tag_a8w2rt', name: 'Not Interested', condition: 'Lead declines the offer' },
  { id: 'tag_p5v0ne', name: 'Wrong Number', condition: 'Person says they are not the lead' },
  { id: 'tag_c4j6hy', name: 'Call Back Later', condition: 'Lead asks to be contacted at another time' },
  { id: 'tag_t9b3uf', name: 'Pricing Question', condition: 'Lead asks about price, rates or fees' },
];

const LEAD_SOURCES = ['Facebook Lead Ad', 'Google Ads', 'Website Form', 'Zillow', 'Referral', 'Trade Show'];

const SUMMARIES = [
  'Lead asked about pricing and wants a call next week.',
  'Interested; prefers texts over calls. Asked for a quote by email.',
  'Booked a consultation for Tuesday afternoon.',
  'Not ready yet, follow up in 30 days.',
  'Asked whether financing is available; AI explained the options.',
  'Said they already bought from a competitor.',
];

const OUTBOUND_TEXTS = [
  'Hi {name}, this is Alex from Brightline. You asked about a quote - is now a good time to chat?',
  'Hey {name}, just following up on your request. Would tomorrow at 2pm work for a quick call?',
  'Thanks {name}! I have you down for Tuesday. Reply C to confirm.',
  'No problem {name}, I will check back next month. Have a great week!',
  'Great question! Most customers pay nothing upfront. Want me to run the numbers for your address?',
];

const INBOUND_TEXTS = [
  'Hi, I am interested',
  'How much does it cost?',
  'Can you call me after 5?',
  'Yes tuesday works',
  'Who is this?',
  'Not right now, thanks',
  'ok sounds good 👍',
  'Do you offer financing?',
];

const EMAIL_SUBJECTS = ['Your quote from Brightline', 'Following up', 'Your appointment is confirmed', 'Quick question'];

export type LeadProfile = Omit<AptenLead, 'id' | 'createdAt' | 'updatedAt' | 'lastActivityAt' | 'deleted' | 'deletedAt'>;

export function fakePhone(rnd: Random): string {
  return `+1${pick(rnd, AREA_CODES)}55501${String(int(rnd, 0, 99)).padStart(2, '0')}`;
}

export function fakeEmail(rnd: Random, first: string, last: string): string {
  const f = first.toLowerCase().replace(/[^a-z]/g, '');
  const l = last.toLowerCase().replace(/[^a-z]/g, '');
  const local = pick(rnd, [`${f}.${l}`, `${f[0] ?? 'x'}${l}`, `${f}${l}${int(rnd, 1, 99)}`, `${f}_${l}`]);
  return `${local}@${pick(rnd, EMAIL_DOMAINS)}`;
}

export function fakeTags(rnd: Random): AptenTag[] {
  const n = pick(rnd, [0, 0, 1, 1, 1, 2]);
  const chosen = new Map<string, AptenTag>();
  for (let i = 0; i < n; i++) {
    const t = pick(rnd, TAG_POOL);
    chosen.set(t.id, { ...t });
  }
  return [...chosen.values()];
}

export function fakeSummary(rnd: Random): string {
  return pick(rnd, SUMMARIES);
}

function fakeExternalLeadId(rnd: Random): string | null {
  // Apten users mostly sync from Salesforce (18-char ids starting 00Q) or HubSpot (numeric).
  const r = rnd();
  if (r < 0.45) return `00Q${token(rnd, 15, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`;
  if (r < 0.7) return token(rnd, 11, '0123456789');
  return null;
}

export function fakeLeadProfile(rnd: Random): LeadProfile {
  const firstName = pick(rnd, FIRST_NAMES);
  const lastName = pick(rnd, LAST_NAMES);
  return {
    firstName,
    lastName,
    phone: fakePhone(rnd),
    email: chance(rnd, 0.85) ? fakeEmail(rnd, firstName, lastName) : null,
    customerProfile: pick(rnd, CUSTOMER_PROFILES),
    additionalInfo: chance(rnd, 0.7)
      ? { source: pick(rnd, LEAD_SOURCES), zip: String(int(rnd, 10000, 99950)), utm_campaign: `cmp_${token(rnd, 6)}` }
      : null,
    hasReplied: false,
    isHot: false,
    isQualified: false,
    isUnsubscribed: false,
    isUnsubscribedEmail: false,
    isAiOn: chance(rnd, 0.9),
    summary: null,
    tags: fakeTags(rnd),
    externalLeadId: fakeExternalLeadId(rnd),
  };
}

export function leadId(rnd: Random): string {
  return `room_${token(rnd, 14)}`;
}

/** Ids differ in format by type, as in the docs (msg_abc vs a UUID for COMPLIANCE_BLOCKED). */
export function eventIdFor(type: string, rnd: Random): string {
  switch (type) {
    case 'MESSAGE':
      return `msg_${token(rnd, 16)}`;
    case 'CALL':
      return `call_${token(rnd, 16)}`;
    case 'EMAIL':
      return `eml_${token(rnd, 16)}`;
    default:
      return uuid(rnd);
  }
}

export function outboundMessage(rnd: Random, firstName: string | null, status = 'SENT'): Record<string, unknown> {
  const text = pick(rnd, OUTBOUND_TEXTS).replace('{name}', firstName ?? 'there');
  return { direction: 'OUTBOUND', content: { text }, isAiGenerated: chance(rnd, 0.85), deliveryChannel: 'SMS', status };
}

export function inboundMessage(rnd: Random, text = pick(rnd, INBOUND_TEXTS)): Record<string, unknown> {
  return { direction: 'INBOUND', content: { text }, isAiGenerated: false, deliveryChannel: 'SMS', status: 'RECEIVED' };
}

export function callData(rnd: Random): Record<string, unknown> {
  const outcome = pick(rnd, ['ANSWERED', 'ANSWERED', 'NO_ANSWER', 'BUSY', 'VOICEMAIL']);
  const durationSeconds = outcome === 'ANSWERED' ? int(rnd, 35, 900) : outcome === 'VOICEMAIL' ? int(rnd, 10, 40) : 0;
  return {
    direction: chance(rnd, 0.8) ? 'OUTBOUND' : 'INBOUND',
    outcome,
    durationSeconds,
    isAiGenerated: chance(rnd, 0.6),
    recordingUrl: durationSeconds > 0 ? `https://recordings.example.com/${token(rnd, 20)}.mp3` : null,
  };
}

export function emailData(rnd: Random, firstName: string | null): Record<string, unknown> {
  return {
    direction: 'OUTBOUND',
    subject: pick(rnd, EMAIL_SUBJECTS),
    content: { text: `Hi ${firstName ?? 'there'},\n\nThanks for your interest. Here are the details we discussed.\n\nBest,\nAlex` },
    isAiGenerated: chance(rnd, 0.7),
    deliveryChannel: 'EMAIL',
    status: 'SENT',
  };
}

export function complianceBlockedData(rnd: Random): Record<string, unknown> {
  const data: Record<string, unknown> = {
    channel: pick(rnd, ['sms', 'sms', 'email', 'voice']),
    reason: pick(rnd, ['STATE_DNC', 'DNC', 'COMPLIANCE_TARGET_MISSING', 'QUIET_HOURS', 'lead opted out in CRM']),
    source: pick(rnd, ['http', 'apten-dnc', 'configuration', 'provider-error']),
  };
  // triggeredBy is optional in the docs, so it is sometimes absent rather than null.
  if (chance(rnd, 0.7)) data.triggeredBy = pick(rnd, ['llm', 'sequence', 'user']);
  return data;
}

/** Undocumented type: the docs warn new types appear without notice, so the sim produces one. */
export function voicemailDropData(rnd: Random): Record<string, unknown> {
  return {
    direction: 'OUTBOUND',
    durationSeconds: int(rnd, 18, 45),
    result: pick(rnd, ['DROPPED', 'DROPPED', 'FAILED']),
    audioTemplateId: `vmt_${token(rnd, 8)}`,
  };
}
