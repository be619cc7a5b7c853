// Lifelike B2B cold-email leads (names, companies, attributes, campaign ids) for seeding and live activity.
import type { JsonObject } from '../../../model.js';
import { chance, int, pick, token, type Random } from '../../sim-common/random.js';
import type { PenguinMailsLeadStatus } from './types.js';

const FIRST_NAMES = [
  'John', 'Jane', 'Priya', 'Marcus', 'Elena', 'Wei', 'Fatima', 'Tom', 'Sofia', 'Daniel',
  'Aisha', 'Lucas', 'Hannah', 'Kenji', 'Olivia', 'Mateo', 'Grace', 'Omar', 'Chloe', 'Ravi',
  'Isabel', 'Noah', 'Mei', 'Samuel', 'Zara', 'Ethan', 'Leila', 'Victor', 'Nora', 'Diego',
];

const LAST_NAMES = [
  'Doe', 'Smith', 'Patel', 'Johnson', 'Rossi', 'Zhang', 'Khan', 'Becker', 'Garcia', 'Okafor',
  'Nguyen', 'Müller', 'Silva', 'Tanaka', 'Brown', 'Kowalski', "O'Neil", 'Haddad', 'Martin', 'Iyer',
  'Lindqvist', 'Dubois', 'Park', 'Moreau', 'Cohen', 'Walker', 'Novak', 'Reyes', 'Fischer', 'Adeyemi',
];

/** Fictional companies; each has a subdomain of a reserved example domain (RFC 2606), so no address is real. */
export const COMPANIES: ReadonlyArray<{ name: string; domain: string }> = [
  { name: 'Example Inc', domain: 'example.com' },
  { name: 'Tech Corp', domain: 'techcorp.example.com' },
  { name: 'Northwind Traders', domain: 'northwind.example.net' },
  { name: 'Brightpath Analytics', domain: 'brightpath.example.com' },
  { name: 'Harborview Logistics', domain: 'harborview.example.org' },
  { name: 'Lumen Dental Group', domain: 'lumendental.example.com' },
  { name: 'Pinecrest Realty', domain: 'pinecrest.example.net' },
  { name: 'Quarry Labs', domain: 'quarrylabs.example.com' },
  { name: 'Redwood Fintech', domain: 'redwood.example.org' },
  { name: 'Summit HVAC Services', domain: 'summithvac.example.com' },
  { name: 'Tidewater Marine Supply', domain: 'tidewater.example.net' },
  { name: 'Bluebird Payroll', domain: 'bluebird.example.com' },
  { name: 'Kestrel Security', domain: 'kestrel.example.org' },
  { name: 'Orchard Health Partners', domain: 'orchardhealth.example.com' },
  { name: 'Copperline Manufacturing', domain: 'copperline.example.net' },
];

// Freelancers and founders often sign up with a personal mailbox and no company.
const PERSONAL_DOMAINS = ['mail.example.com', 'example.net', 'example.org'];

export const TITLES = [
  'CEO', 'Founder', 'Co-Founder', 'VP of Sales', 'Head of Marketing', 'Marketing Manager', 'Sales Director',
  'Operations Manager', 'CTO', 'Office Manager', 'Growth Lead', 'Account Executive', 'Procurement Specialist',
];

export const LOCATIONS = [
  'New York', 'Austin, TX', 'San Francisco', 'Chicago', 'Denver, CO', 'Miami', 'Seattle', 'Boston',
  'London, UK', 'Toronto, ON', 'Berlin, Germany', 'Sydney, Australia', 'Atlanta, GA', 'Remote',
];

// Real area codes with the 555-01xx range reserved for fiction, in the docs' E.164 style (+15551234567).
const AREA_CODES = ['212', '512', '415', '312', '303', '305', '206', '617', '404', '646'];

export interface FakeLeadFields {
  email: string;
  first_name: string;
  last_name: string;
  company: string | null;
  attributes: JsonObject;
}

export function leadId(rnd: Random): string {
  return `lead_${token(rnd, 10)}`;
}

export function campaignId(rnd: Random): string {
  return `cmp_${token(rnd, 8)}`;
}

export function fakePhone(rnd: Random): string {
  return `+1${pick(rnd, AREA_CODES)}55501${String(int(rnd, 0, 99)).padStart(2, '0')}`;
}

export function fakeEmail(rnd: Random, first: string, last: string, domain: string): string {
  const f = ascii(first);
  const l = ascii(last);
  const local = pick(rnd, [`${f}.${l}`, `${f}`, `${f[0] ?? 'x'}${l}`, `${f}${l}${int(rnd, 1, 99)}`]);
  return `${local}@${domain}`;
}

export function otherCompany(rnd: Random, current: string | null): { name: string; domain: string } {
  const choices = COMPANIES.filter((c) => c.name !== current);
  return pick(rnd, choices);
}

/** Title and location are usual, a phone only sometimes, as in scraped prospect lists. */
export function fakeAttributes(rnd: Random): JsonObject {
  const attrs: JsonObject = {};
  if (chance(rnd, 0.9)) attrs.title = pick(rnd, TITLES);
  if (chance(rnd, 0.85)) attrs.location = pick(rnd, LOCATIONS);
  if (chance(rnd, 0.4)) attrs.phone = fakePhone(rnd);
  return attrs;
}

export function fakeLeadFields(rnd: Random): FakeLeadFields {
  const first_name = pick(rnd, FIRST_NAMES);
  const last_name = pick(rnd, LAST_NAMES);
  const personal = chance(rnd, 0.08);
  const company = personal ? null : pick(rnd, COMPANIES);
  const domain = company ? company.domain : pick(rnd, PERSONAL_DOMAINS);
  return {
    email: fakeEmail(rnd, first_name, last_name, domain),
    first_name,
    last_name,
    company: company ? company.name : null,
    attributes: fakeAttributes(rnd),
  };
}

/** Cold-email funnel shape: most prospects have only been contacted, few convert. */
export function fakeStatus(rnd: Random): PenguinMailsLeadStatus {
  const r = rnd();
  if (r < 0.25) return 'new';
  if (r < 0.65) return 'contacted';
  if (r < 0.87) return 'replied';
  return 'converted';
}

// Mailbox local parts are ASCII in practice; drop accents and apostrophes (Müller → muller, O'Neil → oneil).
function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}
