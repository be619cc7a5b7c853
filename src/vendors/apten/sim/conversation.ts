// Plausible next interaction on a lead (what the AI agent or the lead does), shared by seeding and live activity.
import {
  callData,
  complianceBlockedData,
  emailData,
  fakeSummary,
  inboundMessage,
  outboundMessage,
  TAG_POOL,
  voicemailDropData,
} from './fake-data.js';
import { chance, pick, type Random } from '../../sim-common/random.js';
import type { AptenLead } from './types.js';

export type InteractionKind = 'outbound' | 'inbound' | 'call' | 'email' | 'blocked' | 'voicemail';

export interface Interaction {
  type: string;
  data: Record<string, unknown>;
  /** Profile changes the vendor makes alongside the event, e.g. a reply sets hasReplied. */
  leadPatch: Partial<AptenLead>;
}

/** Rough mix seen in an SMS-first AI sales agent: mostly texts, some calls, rare blocks. */
export function randomInteractionKind(rnd: Random): InteractionKind {
  const r = rnd();
  if (r < 0.38) return 'outbound';
  if (r < 0.68) return 'inbound';
  if (r < 0.83) return 'call';
  if (r < 0.91) return 'email';
  if (r < 0.96) return 'blocked';
  return 'voicemail';
}

export function interaction(rnd: Random, kind: InteractionKind, lead: AptenLead, outboundStatus = 'SENT'): Interaction {
  switch (kind) {
    case 'outbound':
      return { type: 'MESSAGE', data: outboundMessage(rnd, lead.firstName, outboundStatus), leadPatch: {} };
    case 'inbound':
      return inboundReply(rnd, lead);
    case 'call':
      return { type: 'CALL', data: callData(rnd), leadPatch: {} };
    case 'email':
      return { type: 'EMAIL', data: emailData(rnd, lead.firstName), leadPatch: {} };
    case 'blocked':
      return { type: 'COMPLIANCE_BLOCKED', data: complianceBlockedData(rnd), leadPatch: {} };
    case 'voicemail':
      return { type: 'VOICEMAIL_DROP', data: voicemailDropData(rnd), leadPatch: {} };
  }
}

function inboundReply(rnd: Random, lead: AptenLead): Interaction {
  if (chance(rnd, 0.08)) {
    // Carrier-style opt-out: Apten stops the AI and flags the lead, all in the same write.
    return {
      type: 'MESSAGE',
      data: inboundMessage(rnd, 'STOP'),
      leadPatch: { hasReplied: true, isUnsubscribed: true, isAiOn: false, isHot: false },
    };
  }
  const patch: Partial<AptenLead> = { hasReplied: true, summary: fakeSummary(rnd) };
  if (chance(rnd, 0.3)) patch.isHot = true;
  if (chance(rnd, 0.2)) patch.isQualified = true;
  if (chance(rnd, 0.4)) {
    const tag = pick(rnd, TAG_POOL);
    if (!lead.tags.some((t) => t.id === tag.id)) patch.tags = [...lead.tags, { ...tag }];
  }
  return { type: 'MESSAGE', data: inboundMessage(rnd), leadPatch: patch };
}
