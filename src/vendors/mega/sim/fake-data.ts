// Lifelike fake MEGA leads (a real-estate team's CRM), so the demo and tests see production-shaped data.
import { chance, int, pick, token, uuid, type Random } from '../../sim-common/random.js';
import { MEGA_OWNERS, randomStatusAndStage, scoreFor } from './pipeline.js';
import type { MegaLead } from './types.js';

const FIRST_NAMES = [
  'Maria', 'James', 'Aisha', 'Wei', 'Carlos', 'Emily', 'Darnell', 'Priya', 'Connor', 'Sofia',
  'Mohammed', 'Hannah', 'Luis', 'Grace', 'Tyrone', 'Mei', 'Ethan', 'Fatima', 'Jake', 'Olivia',
  'Andre', 'Rachel', 'Diego', 'Keisha', 'Brian', 'Yuki', 'Omar', 'Chloe', 'Marcus', 'Zoe',
];

const LAST_NAMES = [
  'Garcia', 'Smith', 'Johnson', 'Chen', 'Rodriguez', 'Williams', 'Patel', 'Brown', 'Nguyen', 'Jones',
  'Martinez', 'Kim', 'Davis', 'Hernandez', 'Lopez', 'Wilson', 'Singh', 'Anderson', 'Taylor', 'Lee',
  "O'Brien", 'Ramirez', 'Walker', 'Young', 'Khan',
];

// Real area codes with the 555-01xx line range, which is reserved for fiction: realistic, yet nobody's phone.
const AREA_CODES = ['212', '305', '312', '404', '415', '480', '512', '602', '615', '702', '713', '720', '813', '919'];

// Reserved example domains (RFC 2606) so demo output never names a real mailbox.
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com'];

// Where real-estate leads come from, and how they arrived.
const SOURCES: ReadonlyArray<[platform: string, types: readonly string[]]> = [
  ['zillow', ['form', 'call']],
  ['realtor_com', ['form']],
  ['facebook', ['lead_ad', 'messenger']],
  ['google', ['form', 'call']],
  ['website', ['form', 'chat']],
  ['referral', ['manual']],
  ['open_house', ['manual', 'import']],
];

const TIMEFRAMES = ['0-3 months', '3-6 months', '6-12 months', '12+ months'];
const PROPERTY_TYPES = ['single_family', 'condo', 'townhouse', 'multi_family'];
const SELL_REASONS = ['relocating', 'upsizing', 'downsizing', 'investment', 'divorce', 'estate'];

export type MegaLeadProfile = Omit<
  MegaLead,
  'id' | 'customer_id' | 'created_at' | 'updated_at' | 'last_interaction_at' | 'interaction_count'
>;

/**
 * Phones as people type them into forms: MEGA stores what it was given, which is why its search
 * is documented as phone-format-agnostic.
 */
export function fakePhone(rnd: Random): string {
  const area = pick(rnd, AREA_CODES);
  const line = `01${String(int(rnd, 0, 99)).padStart(2, '0')}`;
  const r = rnd();
  if (r < 0.6) return `+1${area}555${line}`;
  if (r < 0.85) return `(${area}) 555-${line}`;
  return `${area}-555-${line}`;
}

export function fakeEmail(rnd: Random, name: string): string {
  const [first = 'lead', last = 'unknown'] = name.toLowerCase().split(' ').map((p) => p.replace(/[^a-z]/g, ''));
  const local = pick(rnd, [`${first}.${last}`, `${first[0] ?? 'x'}${last}`, `${first}${last}${int(rnd, 1, 99)}`, `${first}_${last}`]);
  return `${local}@${pick(rnd, EMAIL_DOMAINS)}`;
}

export function fakeName(rnd: Random): string {
  return `${pick(rnd, FIRST_NAMES)} ${pick(rnd, LAST_NAMES)}`;
}

/** Money the way agents enter it: round numbers. */
function price(rnd: Random, min: number, max: number, step: number): number {
  return int(rnd, Math.ceil(min / step), Math.floor(max / step)) * step;
}

/** Custom fields as the account configured them; `lead_line` is the reserved one the API can filter on. */
export function fakeCustomFields(rnd: Random): Record<string, unknown> {
  const common = {
    timeframe: pick(rnd, TIMEFRAMES),
    property_type: pick(rnd, PROPERTY_TYPES),
    zip: String(int(rnd, 10000, 99950)),
  };
  const extra: Record<string, unknown> = chance(rnd, 0.5) ? { utm_campaign: `cmp_${token(rnd, 6)}` } : {};
  if (chance(rnd, 0.55)) {
    return {
      lead_line: 'buyer',
      budget: price(rnd, 180_000, 1_500_000, 5_000),
      pre_approved: chance(rnd, 0.4),
      bedrooms_min: int(rnd, 1, 5),
      ...common,
      ...extra,
    };
  }
  return {
    lead_line: 'seller',
    estimated_value: price(rnd, 200_000, 2_000_000, 10_000),
    reason_for_selling: pick(rnd, SELL_REASONS),
    ...common,
    ...extra,
  };
}

export function fakeSource(rnd: Random): { source_platform: string; source_type: string } {
  const [platform, types] = pick(rnd, SOURCES);
  return { source_platform: platform, source_type: pick(rnd, types) };
}

/** Everything about a lead except the fields the vendor maintains. */
export function fakeLeadProfile(rnd: Random): MegaLeadProfile {
  const contact_name = fakeName(rnd);
  const { status, current_stage } = randomStatusAndStage(rnd);
  const { score, qualified } = scoreFor(rnd, current_stage);
  // New leads start with the AI agent; further along, a human usually owns them.
  const owner = current_stage.slug === 'new-lead' && chance(rnd, 0.7) ? MEGA_OWNERS[0] : pick(rnd, MEGA_OWNERS);
  return {
    ...fakeSource(rnd),
    status,
    contact_name,
    contact_phone: fakePhone(rnd),
    contact_email: fakeEmail(rnd, contact_name),
    score,
    qualified,
    current_stage,
    owner: { ...(owner ?? pick(rnd, MEGA_OWNERS)) },
    custom_fields: fakeCustomFields(rnd),
  };
}

export function fakeLeadId(rnd: Random): string {
  return uuid(rnd);
}
