// GET /v1/sources and POST /v1/sources/:id/sync.
import { Hono, type Context } from 'hono';
import { emptyRunStats, type RunStats } from '../../sync/engine.js';
import { sleep } from '../../util/time.js';
import { z } from 'zod';
import type { RelayControl } from '../control.js';
import { parseQuery } from '../validate.js';
import { iso } from '../present.js';
import { beginSync, listSources, releaseHeldDeletes } from '../source-actions.js';
import { describeRoute, type RouteDoc } from '../describe.js';
import { releasedDeletesSchema, replicaListSchema, sourceListSchema, syncAcceptedSchema, syncResultSchema } from '../schemas/sources.js';

export const syncQuerySchema = z.strictObject({ wait: z.enum(['true', 'false']).optional() });

/** What each route says about itself in /openapi.json (src/api/describe.ts). */
const DOCS = {
  listSources: {
    operationId: 'listSources', tag: 'Sources', summary: 'Every configured source and its last sync',
    responses: { 200: { description: 'The sources, in config order.', schema: sourceListSchema } },
  },
  listReplicas: {
    operationId: 'listReplicas', tag: 'Sources', summary: 'The relay processes sharing the database',
    description: 'Live replicas (a heartbeat within storage.leaseTtl), newest heartbeat first, with the sources each polls. A SQLite relay lists itself.',
    responses: { 200: { description: 'The live replicas.', schema: replicaListSchema } },
  },
  syncSource: {
    operationId: 'syncSource', tag: 'Sources', summary: 'Poll a source now',
    description:
      'A run already in progress is followed by one more. With wait=true the answer comes when the run finished. ' +
      'Any replica takes it: on one that does not poll the source, the poll is asked of the one that does (recorded in the ' +
      'database, announced by NOTIFY), and wait=true answers once a run started after the request has finished (202 after 5 minutes).',
    params: { id: 'The source id.' }, query: syncQuerySchema,
    queryDocs: { wait: 'true: answer when the run finished, with its result.' },
    responses: {
      200: { description: 'wait=true: the run finished.', schema: syncResultSchema },
      202: { description: 'The run was started (or queued).', schema: syncAcceptedSchema },
    },
    errors: [404, 409],
  },
  releaseDeletes: {
    operationId: 'releaseDeletes', tag: 'Sources', summary: 'Send the deletes the mass-delete guard held',
    params: { id: 'The source id.' },
    responses: { 200: { description: 'The held deletes were applied.', schema: releasedDeletesSchema } },
    errors: [404, 409],
  },
} satisfies Record<string, RouteDoc>;

export function sourceRoutes(relay: RelayControl) {
  const app = new Hono();

  app.get('/', describeRoute(DOCS.listSources), async (c) => c.json({ data: await listSources(relay) }));

  // 202 at once; ?wait=true answers 200 with the run's result once it finished (handy in scripts).
  app.post('/:id/sync', describeRoute(DOCS.syncSource), async (c) => {
    const id = c.req.param('id');
    const { wait } = parseQuery(c, syncQuerySchema);
    const started = await beginSync(relay, id);
    if ('requestedAt' in started) return syncElsewhere(c, relay, id, started.requestedAt, wait === 'true');
    if (wait !== 'true') {
      started.run.catch(() => {});
      return c.json({ source: id, status: 'accepted' }, 202);
    }
    const result = await started.run;
    return c.json({ source: id, status: result.ok ? 'ok' : 'error', stats: result.stats, error: result.error ?? null });
  });

  // The mass-delete guard held deletes (warning deletes_held): the operator confirms they are real.
  app.post('/:id/release-deletes', describeRoute(DOCS.releaseDeletes), async (c) => {
    const id = c.req.param('id');
    return c.json({ source: id, deleted: await releaseHeldDeletes(relay, id) });
  });

  return app;
}

/** How long ?wait=true waits for another replica's run before answering 202 instead. */
const WAIT_ELSEWHERE_MS = 5 * 60_000;

/**
 * Another replica polls the source (or none does right now): the poll was asked for through the
 * store; with wait, answer once a run that started after the request has finished, from its record.
 */
async function syncElsewhere(c: Context, relay: RelayControl, id: string, requestedAt: number, wait: boolean) {
  const accepted = () => c.json({ source: id, status: 'accepted' as const }, 202);
  if (!wait) return accepted();
  const deadline = Date.now() + WAIT_ELSEWHERE_MS;
  while (Date.now() < deadline) {
    await sleep(200, c.req.raw.signal);
    if (c.req.raw.signal.aborted) break;
    const r = await relay.store.sources.get(id);
    const started = r?.lastSyncStartedAt ? Date.parse(r.lastSyncStartedAt) : NaN;
    const finished = r?.lastSyncFinishedAt ? Date.parse(r.lastSyncFinishedAt) : NaN;
    if (!r || !(started >= requestedAt) || !(finished >= started) || (r.lastSyncResult !== 'ok' && r.lastSyncResult !== 'error')) continue;
    return c.json({ source: id, status: r.lastSyncResult, stats: (r.lastStats ?? emptyRunStats()) as RunStats, error: r.lastError });
  }
  return accepted();
}

/** GET /v1/replicas: the processes sharing the database (a heartbeat within the lease TTL) and what each polls. */
export function replicaRoutes(relay: RelayControl) {
  const app = new Hono();
  app.get('/', describeRoute(DOCS.listReplicas), async (c) => {
    const now = relay.clock.now();
    const [replicas, leases] = await Promise.all([relay.store.replicas.list(now - relay.leaseTtlMs), relay.store.leases.list()]);
    const polls = (id: string) => leases.filter((l) => l.owner === id && l.expiresAt !== null && l.expiresAt > now).map((l) => l.sourceId);
    return c.json({
      data: replicas.map((r) => ({ id: r.id, version: r.version, startedAt: iso(r.startedAt)!, lastSeenAt: iso(r.lastSeenAt)!, sources: polls(r.id) })),
    });
  });
  return app;
}
