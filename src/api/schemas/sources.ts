// Source responses: GET /v1/sources, POST /v1/sources/{id}/sync and /release-deletes.
import { z } from 'zod';
import { INITIAL_SYNC_MODES } from '../../config/index.js';
import type { RunStats, SyncProgress } from '../../sync/engine.js';
import { instantSchema, jsonValueSchema } from './common.js';
import { vendorSchema } from './webhooks.js';

const codeAndMessage = z.strictObject({ code: z.string(), message: z.string() });

export const syncStatsSchema = z
  .strictObject({
    created: z.int(),
    updated: z.int(),
    deleted: z.int(),
    unchanged: z.int(),
    activitiesAdded: z.int(),
    activitiesUpdated: z.int(),
    eventsEmitted: z.int(),
    pages: z.int(),
    fullScan: z.boolean(),
    scanComplete: z.boolean().nullable(),
    missingDeleted: z.int(),
    deletesHeld: z.int(),
    leadsSeen: z.int(),
    skippedRecords: z.int(),
    requests: z.int(),
    durationMs: z.int(),
  })
  .meta({ description: 'What one sync run saw and did.' });

const _statsMatch: [z.output<typeof syncStatsSchema>] extends [RunStats] ? ([RunStats] extends [z.output<typeof syncStatsSchema>] ? true : false) : false = true;
void _statsMatch;

export const syncProgressSchema = z
  .strictObject({
    startedAt: instantSchema,
    runningMs: z.int(),
    pages: z.int(),
    leadsSeen: z.int(),
    eventsEmitted: z.int(),
    leadsPerSecond: z.number(),
  })
  .meta({ description: 'How far the run in progress got.' });

const _progressMatch: [z.output<typeof syncProgressSchema>] extends [SyncProgress]
  ? [SyncProgress] extends [z.output<typeof syncProgressSchema>]
    ? true
    : false
  : false = true;
void _progressMatch;

export const sourceSchema = z.strictObject({
  id: z.string(),
  vendor: vendorSchema,
  enabled: z.boolean(),
  pollInterval: z.string().meta({ description: 'As written in the config, e.g. 60s.' }),
  initialSync: z.enum(INITIAL_SYNC_MODES),
  syncing: z.boolean(),
  progress: syncProgressSchema.nullable().meta({ description: 'null when no run is in progress.' }),
  initialSyncCompletedAt: instantSchema.nullable(),
  lastSync: z.strictObject({
    startedAt: instantSchema.nullable(),
    finishedAt: instantSchema.nullable(),
    result: z.enum(['running', 'ok', 'error', 'interrupted']).nullable(),
    stats: syncStatsSchema.nullable(),
  }),
  lastSuccessAt: instantSchema.nullable(),
  lastError: codeAndMessage.nullable(),
  cursor: jsonValueSchema.nullable().meta({ description: "The committed incremental cursor; its shape is the vendor adapter's." }),
  leadCount: z.int(),
  deletedLeadCount: z.int(),
  lastCompleteScanAt: instantSchema.nullable(),
  heldDeletes: z.int().meta({ description: 'Deletes the mass-delete guard holds (see warning deletes_held).' }),
  warning: codeAndMessage.nullable().meta({ description: 'deletes_held or scan_incomplete.' }),
  owner: z.string().nullable().meta({ description: 'The replica that polls this source (holds its lease); null when none does now.' }),
  leaseExpiresAt: instantSchema.nullable().meta({ description: "When the owner's lease runs out unless renewed (every third of storage.leaseTtl)." }),
});

export const replicaListSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      id: z.string(),
      version: z.string(),
      startedAt: instantSchema,
      lastSeenAt: instantSchema.meta({ description: 'Its last heartbeat.' }),
      sources: z.array(z.string()).meta({ description: 'The sources it polls.' }),
    }),
  ),
});

export const sourceListSchema = z.strictObject({ data: z.array(sourceSchema) });

export const syncAcceptedSchema = z.strictObject({ source: z.string(), status: z.literal('accepted') });

export const syncResultSchema = z.strictObject({
  source: z.string(),
  status: z.enum(['ok', 'error']),
  stats: syncStatsSchema,
  error: codeAndMessage.nullable(),
});

export const releasedDeletesSchema = z.strictObject({ source: z.string(), deleted: z.int().meta({ description: 'lead.deleted events emitted.' }) });
