// MEGA records behind the hook samples (src/api/hook-samples.ts): a real-estate team's CRM leads, with
// owners, stages and custom fields, as first seen, after an agent took them over, and with a new interaction.
import type { JsonObject } from '../../model.js';

const CUSTOMER = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const AI_AGENT = { id: '8de1cea0-bc9f-4a6d-9ef9-df0c6ac1e3f8', name: 'Mega AI Assistant', role_name: 'AI Agent' };
const JORDAN = { id: '9ef2dfb1-cda0-4b7e-8f0a-e01d7bd2f409', name: 'Jordan Alvarez', role_name: 'Agent' };
const PRIYA = { id: 'af03e0c2-deb1-4c8f-9a1b-f12e8ce3051a', name: 'Priya Raman', role_name: 'ISA' };
const NEW_LEAD = { id: '0b6f4c2e-3a1d-4e8b-9c71-5d2a8e4f6b10', slug: 'new-lead', name: 'New Lead', color: '#3B82F6' };
const ENGAGED = { id: '2d8b6e4a-5c3f-4a0d-9e93-7f4c0a6b8d32', slug: 'engaged', name: 'Engaged', color: '#8B5CF6' };
const APPOINTMENT = { id: '3e9c7f5b-6d4a-4b1e-8fa4-8a5d1b7c9e43', slug: 'appointment-set', name: 'Appointment Set', color: '#06B6D4' };

/** A MEGA `GET /api/agents/crm/leads` record (include_custom_fields=true), keys in the API's order. */
function megaLead({ id, ...fields }: JsonObject & { id: string }): JsonObject {
  return {
    id,
    customer_id: CUSTOMER,
    source_platform: 'zillow',
    source_type: 'form',
    status: 'active',
    created_at: '2026-05-14T15:10:00Z',
    updated_at: '2026-05-14T15:10:00Z',
    contact_name: null,
    contact_phone: null,
    contact_email: null,
    score: 40,
    qualified: false,
    current_stage: NEW_LEAD,
    owner: AI_AGENT,
    last_interaction_at: null,
    interaction_count: 0,
    custom_fields: {},
    ...fields,
  };
}

const at = (lead: JsonObject, patch: JsonObject): JsonObject => ({ ...lead, ...patch });

/** Two leads as first seen: a buyer from Zillow the AI agent works, a seller an agent already owns. */
export const MEGA_NEW_LEADS: JsonObject[] = [
  megaLead({
    id: 'c41e7a20-5b9d-4f3e-a8c6-2d7f90b1e354',
    contact_name: 'Sofia Ramirez',
    contact_phone: '+17135550164',
    contact_email: 'sofia.ramirez@example.com',
    created_at: '2026-05-14T15:12:44Z',
    updated_at: '2026-05-14T15:12:44Z',
    score: 55,
    custom_fields: { lead_line: 'buyer', budget: 650000, pre_approved: true, bedrooms_min: 3, timeframe: '0-3 months', property_type: 'single_family', zip: '77005' },
  }),
  megaLead({
    id: 'e93b5f18-2c7a-4d61-9e0b-7a4c3d21f8e6',
    source_platform: 'referral',
    source_type: 'manual',
    contact_name: 'Marcus Chen',
    contact_phone: '(512) 555-0131',
    contact_email: 'mchen@example.net',
    created_at: '2026-05-14T14:58:09Z',
    updated_at: '2026-05-14T14:58:09Z',
    score: 72,
    qualified: true,
    current_stage: ENGAGED,
    owner: JORDAN,
    custom_fields: {
      lead_line: 'seller',
      company: 'Chen Family Holdings LLC',
      estimated_value: 840000,
      reason_for_selling: 'relocating',
      timeframe: '3-6 months',
      property_type: 'townhouse',
      zip: '78704',
    },
  }),
];

const [SOFIA, MARCUS] = MEGA_NEW_LEADS as [JsonObject, JsonObject];

/** Later: an agent took Sofia over and booked a showing; Marcus's score moved after a call. */
export const MEGA_UPDATED_LEADS: JsonObject[] = [
  at(SOFIA, {
    updated_at: '2026-05-14T15:29:51Z',
    score: 81,
    qualified: true,
    current_stage: APPOINTMENT,
    owner: PRIYA,
    last_interaction_at: '2026-05-14T15:29:48Z',
    interaction_count: 3,
  }),
  at(MARCUS, {
    updated_at: '2026-05-14T15:27:12Z',
    score: 78,
    last_interaction_at: '2026-05-14T15:27:10Z',
    interaction_count: 1,
  }),
];
