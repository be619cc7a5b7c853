// Apten records behind the hook samples (src/api/hook-samples.ts): leads as the vendor lists them and
// room events, as first seen, after the conversation moved on, and deleted.
import type { JsonObject } from '../../model.js';
import type { PulledActivity } from '../types.js';

const ORG = 'org_7f3k2m9q';

/** Apten `GET /leads` records as the vendor sends them (keys in the API's order). */
function aptenLead(overrides: JsonObject & { id: string }): JsonObject {
  const { id, ...rest } = overrides;
  return {
    id,
    firstName: null,
    lastName: null,
    phone: null,
    email: null,
    customerProfile: 'Solar Homeowners - Texas',
    createdAt: '2026-05-01T12:00:00.000Z',
    updatedAt: '2026-05-01T12:00:00.000Z',
    lastActivityAt: null,
    additionalInfo: null,
    hasReplied: false,
    isHot: false,
    isQualified: false,
    isUnsubscribed: false,
    isUnsubscribedEmail: false,
    isAiOn: true,
    summary: null,
    tags: [],
    externalLeadId: null,
    deleted: false,
    deletedAt: null,
    ...rest,
  };
}

const TAG_INTERESTED = { id: 'tag_k3x9p2', name: 'Interested', condition: 'Lead says they want to learn more or book a call' };
const TAG_APPOINTMENT = { id: 'tag_m1q7zd', name: 'Appointment Set', condition: 'Lead agreed to a specific meeting time' };
const TAG_PRICING = { id: 'tag_t9b3uf', name: 'Pricing Question', condition: 'Lead asks about price, rates or fees' };

/** Three leads as first seen. */
export const NEW_LEADS: JsonObject[] = [
  aptenLead({
    id: 'room_c9zsoqit0jf1sh',
    firstName: 'Maria',
    lastName: 'Garcia',
    phone: '+15125550142',
    email: 'maria.garcia@example.com',
    createdAt: '2026-05-14T15:12:44.000Z',
    updatedAt: '2026-05-14T15:12:44.000Z',
    additionalInfo: { source: 'Facebook Lead Ad', zip: '78704', utm_campaign: 'cmp_q3solar' },
    tags: [TAG_INTERESTED],
    externalLeadId: '00Q5f00000Kx2LmEAJ',
  }),
  aptenLead({
    id: 'room_8d2kq0vn5wthza',
    firstName: 'James',
    lastName: 'Chen',
    phone: '+14155550117',
    email: 'jchen@example.net',
    customerProfile: 'Home Services Web Leads',
    createdAt: '2026-05-14T14:58:09.000Z',
    updatedAt: '2026-05-14T14:58:09.000Z',
    additionalInfo: { source: 'Website Form', zip: '94110', utm_campaign: 'cmp_spring26' },
    externalLeadId: '51234567890',
  }),
  aptenLead({
    id: 'room_p4hx7c1mrb6yue',
    firstName: 'Aisha',
    lastName: 'Patel',
    phone: '+13125550188',
    customerProfile: 'Mortgage Refi Q3',
    createdAt: '2026-05-14T13:40:31.000Z',
    updatedAt: '2026-05-14T13:40:31.000Z',
    isAiOn: false,
  }),
];

const at = (lead: JsonObject, patch: JsonObject): JsonObject => ({ ...lead, ...patch });
const [MARIA, JAMES, AISHA] = NEW_LEADS as [JsonObject, JsonObject, JsonObject];

/** The same leads after the conversation moved on. */
export const UPDATED_LEADS: JsonObject[] = [
  at(MARIA, {
    updatedAt: '2026-05-14T15:29:51.000Z',
    lastActivityAt: '2026-05-14T15:29:48.000Z',
    hasReplied: true,
    isHot: true,
    isQualified: true,
    summary: 'Booked a consultation for Tuesday afternoon.',
    tags: [TAG_INTERESTED, TAG_APPOINTMENT],
  }),
  at(JAMES, {
    updatedAt: '2026-05-14T15:27:12.000Z',
    lastActivityAt: '2026-05-14T15:27:10.000Z',
    hasReplied: true,
    summary: 'Asked whether financing is available; AI explained the options.',
    tags: [TAG_PRICING],
  }),
  at(AISHA, {
    updatedAt: '2026-05-14T15:21:03.000Z',
    email: 'aisha.patel@mail.example.com',
  }),
];

/** Soft-deleted by the vendor (Apten keeps the record, flagged). */
export const DELETED_LEADS: JsonObject[] = [
  at(UPDATED_LEADS[1]!, { updatedAt: '2026-05-14T15:29:40.000Z', deleted: true, deletedAt: '2026-05-14T15:29:40.000Z' }),
  at(UPDATED_LEADS[2]!, { updatedAt: '2026-05-14T15:25:17.000Z', deleted: true, deletedAt: '2026-05-14T15:25:17.000Z' }),
];

/** Apten room events (`GET /leads/{id}/events`). */
function aptenEvent(roomId: string, e: { id: string; type: string; timestamp: string; updatedAt?: string; data: JsonObject }): PulledActivity {
  const raw: JsonObject = { id: e.id, roomId, orgId: ORG, type: e.type, timestamp: e.timestamp, updatedAt: e.updatedAt ?? e.timestamp, data: e.data };
  return {
    key: `${e.type}:${e.id}`,
    activity: { id: e.id, type: e.type, occurredAt: e.timestamp, updatedAt: e.updatedAt ?? e.timestamp, data: e.data, raw },
  };
}

const outbound = (text: string, status: string): JsonObject => ({ direction: 'OUTBOUND', content: { text }, isAiGenerated: true, deliveryChannel: 'SMS', status });

const MESSAGE_SENT = aptenEvent('room_c9zsoqit0jf1sh', {
  id: 'msg_q8v2m4k9x1c7h3zd',
  type: 'MESSAGE',
  timestamp: '2026-05-14T15:29:30.000Z',
  data: outbound('Thanks Maria! I have you down for Tuesday. Reply C to confirm.', 'SENT'),
});

export const ACTIVITIES: Array<{ lead: JsonObject; activity: PulledActivity }> = [
  {
    lead: UPDATED_LEADS[0]!,
    activity: aptenEvent('room_c9zsoqit0jf1sh', {
      id: 'msg_f2n7c5r1w8k0p4sy',
      type: 'MESSAGE',
      timestamp: '2026-05-14T15:29:48.000Z',
      data: { direction: 'INBOUND', content: { text: 'Yes tuesday works' }, isAiGenerated: false, deliveryChannel: 'SMS', status: 'RECEIVED' },
    }),
  },
  {
    lead: UPDATED_LEADS[1]!,
    activity: aptenEvent('room_8d2kq0vn5wthza', {
      id: 'call_3t9b6x2q7m1v5k8n',
      type: 'CALL',
      timestamp: '2026-05-14T15:20:02.000Z',
      updatedAt: '2026-05-14T15:27:10.000Z',
      data: {
        direction: 'OUTBOUND',
        outcome: 'ANSWERED',
        durationSeconds: 214,
        isAiGenerated: true,
        recordingUrl: 'https://recordings.example.com/r7w2k9q4m1x8c3v6b5n0.mp3',
      },
    }),
  },
  { lead: UPDATED_LEADS[0]!, activity: MESSAGE_SENT },
];

/** An event already delivered, then changed (the SMS went from SENT to DELIVERED). */
export const CHANGED_ACTIVITIES: Array<{ lead: JsonObject; before: PulledActivity; after: PulledActivity }> = [
  {
    lead: UPDATED_LEADS[0]!,
    before: MESSAGE_SENT,
    after: aptenEvent('room_c9zsoqit0jf1sh', {
      id: 'msg_q8v2m4k9x1c7h3zd',
      type: 'MESSAGE',
      timestamp: '2026-05-14T15:29:30.000Z',
      updatedAt: '2026-05-14T15:29:33.000Z',
      data: outbound('Thanks Maria! I have you down for Tuesday. Reply C to confirm.', 'DELIVERED'),
    }),
  },
  {
    lead: UPDATED_LEADS[1]!,
    before: aptenEvent('room_8d2kq0vn5wthza', {
      id: 'eml_6h1z8m3c5q0w2r9t',
      type: 'EMAIL',
      timestamp: '2026-05-14T15:05:00.000Z',
      data: {
        direction: 'OUTBOUND',
        subject: 'Your quote from Brightline',
        content: { text: 'Hi James,\n\nThanks for your interest. Here are the details we discussed.\n\nBest,\nAlex' },
        isAiGenerated: true,
        deliveryChannel: 'EMAIL',
        status: 'SENT',
      },
    }),
    after: aptenEvent('room_8d2kq0vn5wthza', {
      id: 'eml_6h1z8m3c5q0w2r9t',
      type: 'EMAIL',
      timestamp: '2026-05-14T15:05:00.000Z',
      updatedAt: '2026-05-14T15:26:41.000Z',
      data: {
        direction: 'OUTBOUND',
        subject: 'Your quote from Brightline',
        content: { text: 'Hi James,\n\nThanks for your interest. Here are the details we discussed.\n\nBest,\nAlex' },
        isAiGenerated: true,
        deliveryChannel: 'EMAIL',
        status: 'OPENED',
      },
    }),
  },
];
