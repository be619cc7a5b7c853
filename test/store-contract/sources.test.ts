// Store contract: sources (SourceOps). Registration keeps a source's state across restarts, a run
// cut short by a crash becomes interrupted (unless another replica's live lease says it runs),
// outcome marks and warnings, lead counts, and fenced marks refused once the lease is gone.
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/store-backends.js';
import { leadWrite, page, NOW_ISO } from './data.js';

const T0 = Date.parse(NOW_ISO);

describe.each(backends)('sources ($name)', (backend) => {
  it('registers sources, keeps cursor and state when registered again, and updates the vendor', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }, { id: 'b', vendor: 'mega' }], T0);
    await store.snapshot.applyPage('a', page([], { cursor: { since: 5 } }), NOW_ISO, null);
    await store.sources.register([{ id: 'a', vendor: 'nexus-erp' }], T0);
    const a = await store.sources.get('a');
    expect(a).toMatchObject({ id: 'a', vendor: 'nexus-erp', cursor: { since: 5 }, lastSyncResult: null, leadCount: 0, deletedLeadCount: 0 });
    expect(await store.sources.syncStart('a')).toEqual({ cursor: { since: 5 }, initialSyncCompletedAt: null });
    expect((await store.sources.list()).map((s) => s.id)).toEqual(['a', 'b']);
    expect(await store.sources.get('nope')).toBeUndefined();
    expect(await store.sources.syncStart('nope')).toBeUndefined();
  });

  it('registers the same sources from several replicas at once, in any order', async () => {
    const replicas = await backend.openReplicas(4);
    const ids = Array.from({ length: 200 }, (_, i) => `s${String(199 - i).padStart(3, '0')}`);
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        replicas.map((r, i) => r.sources.register((i % 2 ? [...ids].reverse() : ids).map((id) => ({ id, vendor: 'apten' })), T0)),
      );
    }
    expect((await replicas[0]!.sources.list()).map((s) => s.id)).toEqual([...ids].reverse());
  });

  it('marks a run started, succeeded (first success completes the initial sync) and failed', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    await store.sources.markStarted('a', '2026-02-01T10:00:00.000Z', null);
    expect(await store.sources.get('a')).toMatchObject({ lastSyncStartedAt: '2026-02-01T10:00:00.000Z', lastSyncResult: 'running' });
    await store.sources.markSucceeded('a', '2026-02-01T10:00:01.000Z', { pages: 2 }, null);
    await store.sources.markFailed('a', '2026-02-01T10:05:00.000Z', { code: 'vendor_unavailable', message: 'HTTP 503' }, { pages: 0 }, null);
    await store.sources.markSucceeded('a', '2026-02-01T10:10:00.000Z', { pages: 1 }, null);
    await store.sources.markFailed('a', '2026-02-01T10:15:00.000Z', { code: 'vendor_auth', message: 'HTTP 401' }, { pages: 0 }, null);
    expect(await store.sources.get('a')).toMatchObject({
      initialSyncCompletedAt: '2026-02-01T10:00:01.000Z',
      lastSuccessAt: '2026-02-01T10:10:00.000Z',
      lastSyncFinishedAt: '2026-02-01T10:15:00.000Z',
      lastSyncResult: 'error',
      lastError: { code: 'vendor_auth', message: 'HTTP 401' },
      lastStats: { pages: 0 },
    });
  });

  it('sets and clears a warning', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    await store.sources.setWarning('a', { code: 'deletes_held', message: '3 deletes held' }, null);
    expect((await store.sources.get('a'))!.warning).toEqual({ code: 'deletes_held', message: '3 deletes held' });
    await store.sources.setWarning('a', null, null);
    expect((await store.sources.get('a'))!.warning).toBeNull();
  });

  it('counts live and deleted leads per source', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }, { id: 'b', vendor: 'apten' }], T0);
    await store.snapshot.applyPage(
      'a',
      page([leadWrite('a', '1'), leadWrite('a', '2'), leadWrite('a', '3', 'h', { deleted: true, deletedReason: 'vendor_deleted' })]),
      NOW_ISO,
      null,
    );
    await store.snapshot.applyPage('b', page([leadWrite('b', '1')]), NOW_ISO, null);
    const [a, b] = await store.sources.list();
    expect([a!.leadCount, a!.deletedLeadCount, b!.leadCount, b!.deletedLeadCount]).toEqual([2, 1, 1, 0]);
  });

  it('at register, a run left running becomes interrupted unless its source is under a live lease', async () => {
    const [r1, r2] = await backend.openReplicas(2);
    await r1!.sources.register([{ id: 'crashed', vendor: 'apten' }, { id: 'live', vendor: 'apten' }, { id: 'expired', vendor: 'apten' }], T0);
    const live = (await r1!.leases.acquire('live', 'r1', T0, 60_000))!;
    const expired = (await r1!.leases.acquire('expired', 'r1', T0 - 120_000, 60_000))!;
    await r1!.sources.markStarted('crashed', NOW_ISO, null);
    await r1!.sources.markStarted('live', NOW_ISO, live);
    await r1!.sources.markStarted('expired', NOW_ISO, expired);
    // Another replica starting: r1 still polls "live"; "expired" and "crashed" were cut short.
    await r2!.sources.register([{ id: 'crashed', vendor: 'apten' }, { id: 'live', vendor: 'apten' }, { id: 'expired', vendor: 'apten' }], T0);
    const results = Object.fromEntries((await r2!.sources.list()).map((s) => [s.id, s.lastSyncResult]));
    // The contract's one difference here: a SQLite file has one relay, so at its start every lease
    // in the file is void (its holder is gone) and every run left running was cut short.
    expect(results).toEqual({ crashed: 'interrupted', live: backend.oneProcess ? 'interrupted' : 'running', expired: 'interrupted' });
  });

  it('refuses fenced marks once the lease is lost, writing nothing', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    const stale = (await store.leases.acquire('a', 'r1', T0, 1000))!;
    await store.sources.markStarted('a', NOW_ISO, stale);
    const fresh = (await store.leases.acquire('a', 'r2', T0 + 5000, 60_000))!;
    expect(fresh.token).toBeGreaterThan(stale.token);
    const lost = { code: 'lease_lost', message: expect.stringMatching(/source a.*r1/) };
    await expect(store.sources.markSucceeded('a', '2026-02-01T11:00:00.000Z', { pages: 1 }, stale)).rejects.toMatchObject(lost);
    await expect(store.sources.markFailed('a', '2026-02-01T11:00:00.000Z', { code: 'x', message: 'y' }, {}, stale)).rejects.toMatchObject(lost);
    await expect(store.sources.setWarning('a', { code: 'w', message: 'w' }, stale)).rejects.toMatchObject(lost);
    await expect(store.sources.markStarted('a', '2026-02-01T11:00:00.000Z', stale)).rejects.toMatchObject(lost);
    expect(await store.sources.get('a')).toMatchObject({ lastSyncStartedAt: NOW_ISO, lastSyncResult: 'running', lastSuccessAt: null, warning: null });
    await store.sources.markSucceeded('a', '2026-02-01T11:00:00.000Z', { pages: 1 }, fresh);
    expect((await store.sources.get('a'))!.lastSyncResult).toBe('ok');
  });

  it('records a requested poll for the replica that polls the source, and announces it to the others where it can', async () => {
    const [r1, r2] = await backend.openReplicas(2);
    await r1!.sources.register([{ id: 'a', vendor: 'apten' }, { id: 'b', vendor: 'apten' }], T0);
    const heard: string[] = [];
    const stop = r2!.onSyncRequested((id) => heard.push(id));
    try {
      // Give a listening connection time to start (PostgreSQL), then ask on the other replica.
      await new Promise((r) => setTimeout(r, 300));
      await r1!.sources.requestSync('a', T0 + 5);
      expect(await r2!.sources.syncRequests()).toEqual([{ sourceId: 'a', requestedAt: T0 + 5 }]);
      if (!backend.oneProcess) {
        const deadline = Date.now() + 5000;
        while (!heard.includes('a') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(heard).toEqual(['a']);
      } else {
        expect(heard).toEqual([]); // one process: the replica asked is the one that polls
      }
    } finally {
      stop();
    }
  });
});
