// Background "users at work" for the PenguinMails simulator: one realistic change per tick (leads, campaigns, edits, deletes).
import { pick, type Random } from '../../sim-common/random.js';
import { fakeEmail, fakeLeadFields, fakePhone, leadId, LOCATIONS, otherCompany, TITLES } from './fake-data.js';
import type { PenguinMailsSimulator } from './simulator.js';
import type { PenguinMailsActivityType, PenguinMailsLead } from './types.js';

export type PenguinMailsActivityKind =
  | 'lead.new'
  | 'lead.edit'
  | 'lead.convert'
  | 'lead.delete'
  | 'email_sent'
  | 'email_opened'
  | 'email_clicked'
  | 'replied'
  | 'bounced'
  | 'unsubscribed';

export interface PenguinMailsActivityOptions {
  everyMs: number;
  /** Every choice, id and fake value comes from here, so a seeded PRNG replays the same story. */
  random?: Random;
}

export function startPenguinMailsActivity(sim: PenguinMailsSimulator, opts: PenguinMailsActivityOptions): { stop(): void } {
  const rnd = opts.random ?? Math.random;
  const timer = setInterval(() => penguinMailsActivityStep(sim, rnd), opts.everyMs);
  // Activity alone should never keep a process (or a test run) alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

// Cold email is mostly sends and opens; replies and conversions are rarer; deletes are rarest.
const WEIGHTS: Array<[PenguinMailsActivityKind, number]> = [
  ['lead.new', 0.17],
  ['email_sent', 0.22],
  ['email_opened', 0.17],
  ['email_clicked', 0.08],
  ['replied', 0.09],
  ['lead.convert', 0.04],
  ['bounced', 0.03],
  ['unsubscribed', 0.02],
  ['lead.edit', 0.15],
  ['lead.delete', 0.03],
];

/** Performs one change and says which; exported so tests can drive activity without timers. */
export function penguinMailsActivityStep(sim: PenguinMailsSimulator, rnd: Random): PenguinMailsActivityKind {
  const leads = sim.leads();
  const kind = weighted(rnd);
  if (leads.length === 0 || kind === 'lead.new') return newLead(sim, rnd);

  switch (kind) {
    case 'lead.edit':
      editLead(sim, pick(rnd, leads), rnd);
      return kind;
    case 'lead.delete':
      sim.deleteLead(pick(rnd, leads).id);
      return kind;
    case 'lead.convert': {
      const replied = leads.filter((l) => l.status === 'replied');
      if (replied.length === 0) break;
      sim.updateLead(pick(rnd, replied).id, { status: 'converted' });
      return kind;
    }
    case 'email_opened':
    case 'email_clicked':
    case 'replied':
    case 'bounced':
    case 'unsubscribed': {
      const candidates = leads.filter((l) => reachable(l) && eligible(l, kind));
      if (candidates.length === 0) break;
      const lead = pick(rnd, candidates);
      sim.addActivity(lead.id, { type: kind, campaign_id: lastCampaign(lead) ?? pick(rnd, sim.campaigns) });
      // The vendor's automation moves the funnel on a reply; bounces and unsubscribes have no status of their own.
      if (kind === 'replied' && lead.status === 'contacted') sim.updateLead(lead.id, { status: 'replied' });
      return kind;
    }
    default:
      break;
  }
  return send(sim, leads, rnd);
}

function newLead(sim: PenguinMailsSimulator, rnd: Random): 'lead.new' {
  sim.createLead({ id: leadId(rnd), ...fakeLeadFields(rnd) });
  return 'lead.new';
}

/** The next sequence step to a reachable, not yet converted lead; a first send makes a new lead contacted. */
function send(sim: PenguinMailsSimulator, leads: PenguinMailsLead[], rnd: Random): PenguinMailsActivityKind {
  const candidates = leads.filter((l) => reachable(l) && l.status !== 'converted');
  if (candidates.length === 0) return newLead(sim, rnd);
  const lead = pick(rnd, candidates);
  sim.addActivity(lead.id, { type: 'email_sent', campaign_id: lastCampaign(lead) ?? pick(rnd, sim.campaigns) });
  if (lead.status === 'new') sim.updateLead(lead.id, { status: 'contacted' });
  return 'email_sent';
}

function eligible(lead: PenguinMailsLead, kind: PenguinMailsActivityType): boolean {
  const has = (t: PenguinMailsActivityType) => lead.activity.some((a) => a.type === t);
  switch (kind) {
    case 'email_opened':
    case 'bounced':
    case 'replied':
      return has('email_sent');
    case 'email_clicked':
    case 'unsubscribed':
      return has('email_opened');
    default:
      return false;
  }
}

// Nobody mails a bounced or unsubscribed address again, so nothing more happens on it.
function reachable(lead: PenguinMailsLead): boolean {
  return !lead.activity.some((a) => a.type === 'bounced' || a.type === 'unsubscribed');
}

function lastCampaign(lead: PenguinMailsLead): string | undefined {
  return lead.activity.at(-1)?.campaign_id;
}

/** Enrichment and CRM edits: mostly attributes (seen only in the detail), sometimes the row itself. */
function editLead(sim: PenguinMailsSimulator, lead: PenguinMailsLead, rnd: Random): void {
  const edit = pick(rnd, ['title', 'location', 'phone', 'phone', 'company', 'last_name'] as const);
  switch (edit) {
    case 'title':
      return void sim.updateLead(lead.id, { attributes: { title: pick(rnd, TITLES.filter((t) => t !== lead.attributes.title)) } });
    case 'location':
      return void sim.updateLead(lead.id, { attributes: { location: pick(rnd, LOCATIONS.filter((l) => l !== lead.attributes.location)) } });
    case 'phone':
      // A wrong number gets cleared as often as a new one is found.
      return void sim.updateLead(lead.id, { attributes: { phone: lead.attributes.phone === undefined ? fakePhone(rnd) : null } });
    case 'company': {
      const company = otherCompany(rnd, lead.company);
      return void sim.updateLead(lead.id, {
        company: company.name,
        email: fakeEmail(rnd, lead.first_name ?? 'lead', lead.last_name ?? 'contact', company.domain),
      });
    }
    case 'last_name': {
      const fresh = fakeLeadFields(rnd);
      return void sim.updateLead(lead.id, { last_name: fresh.last_name === lead.last_name ? `${fresh.last_name}-Ray` : fresh.last_name });
    }
  }
}

function weighted(rnd: Random): PenguinMailsActivityKind {
  let r = rnd() * WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, w] of WEIGHTS) {
    if ((r -= w) < 0) return kind;
  }
  return 'lead.new';
}
