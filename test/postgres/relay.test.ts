// The whole relay on PostgreSQL (storage.url), over real HTTP: the same promises as on SQLite.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/harness.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { request } from 'undici';
import { startRelay, type RunningRelay } from '../../src/relay.js';
import { createLogger } from '../../src/log.js';
import { ADMIN_TOKEN } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a relay on PostgreSQL', () => {
  it('syncs, signs and delivers every change; reports the backend and itself as the owner', async () => {
    h = await new Harness({ storageUrl: await freshPgDatabase() }).start();
    const health = await h.api('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', storage: 'postgres' });
    const lead = h.apten.createLead();
    await h.sync();
    h.apten.updateLead(lead.id, { isHot: true });
    h.apten.addEvent(lead.id, { type: 'CALL', data: {} });
    await h.sync();
    await h.waitIdle();
    const about = h.sub.accepted.filter((w) => (w.body.data.lead?.id ?? w.body.data.leadId) === lead.id).map((w) => w.type);
    expect(about).toEqual(['lead.created', 'lead.updated', 'event.added']);
    const [source] = (await h.api('GET', '/v1/sources')).body.data;
    expect(source.owner).toBe(health.body.replica);
    expect(source.leadCount).toBe(1);
  });

  it('resumes pending deliveries after a restart with the same webhook-ids', async () => {
    h = await new Harness({ storageUrl: await freshPgDatabase(), retrySchedule: Array<string>(20).fill('100ms') }).start();
    h.sub.respond = () => 503;
    h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    const firstIds = await new Promise<string[]>((resolve) => {
      const check = () => (h!.sub.received.length >= 2 ? resolve([...new Set(h!.sub.received.map((r) => r.id))]) : setTimeout(check, 20));
      check();
    });
    h.sub.respond = () => 204;
    await h.restartRelay(); // waits until nothing is pending
    const accepted = new Set(h.sub.accepted.map((w) => w.id));
    for (const id of firstIds) expect(accepted.has(id)).toBe(true);
    expect(accepted.size).toBe(2);
  });

  it('any replica takes POST /v1/sources/:id/sync: the one that polls the source runs it and the answer says how it went', async () => {
    h = await new Harness({ storageUrl: await freshPgDatabase() }).start();
    const owner = (await h.api('GET', '/healthz')).body.replica;
    let other: RunningRelay | undefined;
    try {
      other = await startRelay(h.config, { logger: createLogger({ level: 'silent' }), replicaId: 'replica-b', shutdownGraceMs: 2000 });
      const call = async (method: 'GET' | 'POST', path: string) => {
        const res = await request(`${other!.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        return { status: res.statusCode, body: (await res.body.json()) as any };
      };
      const [source] = (await call('GET', '/v1/sources')).body.data;
      expect(source.owner).toBe(owner); // one source, two replicas: the first holds it
      const lead = h.apten.createLead();
      const res = await call('POST', '/v1/sources/apten/sync?wait=true');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ source: 'apten', status: 'ok', stats: { created: 1 }, error: null });
      await h.waitIdle();
      expect(h.sub.accepted.filter((w) => w.body.data.lead?.id === lead.id).map((w) => w.type)).toEqual(['lead.created']);
      expect((await call('GET', '/v1/replicas')).body.data.map((r: any) => [r.id, r.sources]).sort()).toEqual(
        [[owner, ['apten']], ['replica-b', []]].sort(),
      );
    } finally {
      await other?.stop();
    }
  });

  it('refuses to start a second live process under a replica id in use, and starts after a predecessor that died', async () => {
    const url = await freshPgDatabase();
    h = await new Harness({ storageUrl: url, storage: { leaseTtl: '1500ms' } }).start();
    const id = (await h.api('GET', '/healthz')).body.replica;
    const logger = createLogger({ level: 'silent' });
    await expect(startRelay(h.config, { logger, replicaId: id, listen: false })).rejects.toMatchObject({ code: 'replica_id_in_use' });
    // A predecessor whose heartbeats stopped (killed: no goodbye) is no obstacle.
    const { store } = h.relay;
    await store.replicas.heartbeat({ id: 'died-here', version: 'x', startedAt: Date.now() }, Date.now());
    const next = await startRelay(h.config, { logger, replicaId: 'died-here', listen: false });
    await next.stop();
  });

  it('a run that finds its lease taken over (before its heartbeat noticed) ends with lease_lost, writing nothing, not as a crash', async () => {
    const url = await freshPgDatabase();
    h = await new Harness({ storageUrl: url }).start();
    h.apten.createLead();
    await h.sync();
    // Another replica takes the source over; this one's heartbeat (every 10 s) has not seen it yet.
    const sql = new pg.Client(url);
    await sql.connect();
    try {
      await sql.query(`UPDATE sources SET lease_owner = 'other', lease_token = lease_token + 1, lease_expires_at = $1 WHERE id = 'apten'`, [Date.now() + 60_000]);
      const before = (await sql.query(`SELECT last_sync_started_at FROM sources WHERE id = 'apten'`)).rows[0];
      h.apten.createLead();
      const run = await h.sync();
      expect(run.status).toBe('error');
      expect(run.error?.code).toBe('lease_lost');
      expect((await sql.query(`SELECT last_sync_started_at FROM sources WHERE id = 'apten'`)).rows[0]).toEqual(before);
      expect((await sql.query(`SELECT count(*)::int AS n FROM leads`)).rows[0].n).toBe(1);
      expect(h.logs.join('\n')).not.toContain('sync run crashed');
    } finally {
      await sql.end();
    }
  });
});
