// Store contract: the snapshot (SnapshotOps). A page commits all or nothing, stored text comes back
// byte for byte, a page under a stale fencing token is refused and writes nothing, and full scans
// count the leads they miss and let decide() delete or hold them.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { backends } from '../helpers/store-backends.js';
import { deleteAll, event, holdAll, lead, leadWrite, page, NOW_ISO } from './data.js';
import type { MissingLead } from '../../src/store/types.js';

const T0 = Date.parse(NOW_ISO);

async function withSource(store: Store, id = 'a'): Promise<void> {
  await store.sources.register([{ id, vendor: 'apten' }], T0);
}

describe.each(backends)('snapshot ($name)', (backend) => {
  describe('applyPage', () => {
    it('writes leads, seen event hashes, outbox events (in order) and the cursor', async () => {
      const store = await backend.open();
      await withSource(store);
      const events = [event('a', '1'), event('a', '2', 'lead.updated'), event('a', '1', 'event.added')];
      await store.snapshot.applyPage(
        'a',
        page([leadWrite('a', '1', 'h1', { state: { etag: 'x' } }), leadWrite('a', '2', 'h2')], {
          leadEvents: [{ leadId: '1', key: 'call:9', hash: 'e1' }, { leadId: '1', key: 'note:3', hash: 'e2' }],
          outbox: events,
          cursor: { updatedSince: '2026-01-31T00:00:00Z' },
        }),
        NOW_ISO,
        null,
      );
      const leads = await store.snapshot.getLeads('a', ['1', '2', '3']);
      expect([...leads.keys()].sort()).toEqual(['1', '2']);
      expect(leads.get('1')).toMatchObject({ hash: 'h1', deleted: false, deletedReason: null, state: { etag: 'x' }, missingScans: 0 });
      expect(leads.get('1')!.lead).toEqual(lead('a', '1'));
      const hashes = await store.snapshot.getLeadEventHashes('a', ['1', '2']);
      expect([...hashes.get('1')!.entries()].sort()).toEqual([['call:9', 'e1'], ['note:3', 'e2']]);
      expect(hashes.has('2')).toBe(false);
      expect((await store.sources.syncStart('a'))!.cursor).toEqual({ updatedSince: '2026-01-31T00:00:00Z' });
      const logged = await store.events.list({ limit: 10 });
      expect(logged.map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());
      expect(logged[0]!.seq).toBeGreaterThan(logged[1]!.seq);
      expect(JSON.parse(logged[2]!.body)).toEqual(events[0]!.body);
    });

    it('gives back the stored JSON text exactly as written (text equality: spacing, key order, unicode)', async () => {
      const store = await backend.open();
      await withSource(store);
      const rawJson = '{"z":1,  "a":"é\\u00e9 ☃ 𝄞","nested":{"b":[1,2.50,"x"]}}';
      const raw = JSON.parse(rawJson);
      await store.snapshot.applyPage('a', page([leadWrite('a', 'x', 'h', { lead: lead('a', 'x', { raw }), rawJson })]), NOW_ISO, null);
      const stored = (await store.snapshot.getLeads('a', ['x'])).get('x')!;
      expect(stored.rawJson).toBe(rawJson);
      expect(stored.lead.raw).toEqual(raw);
      // Without rawJson, the raw record is stored as JSON.stringify gives it.
      await store.snapshot.applyPage('a', page([leadWrite('a', 'y', 'h', { lead: lead('a', 'y', { raw }) })]), NOW_ISO, null);
      expect((await store.snapshot.getLeads('a', ['y'])).get('y')!.rawJson).toBe(JSON.stringify(raw));
    });

    it('updates a stored lead in place, the last write of a lead on one page winning', async () => {
      const store = await backend.open();
      await withSource(store);
      await store.snapshot.applyPage('a', page([leadWrite('a', '1', 'h1')]), NOW_ISO, null);
      await store.snapshot.applyPage(
        'a',
        page([leadWrite('a', '1', 'h2'), leadWrite('a', '1', 'h3', { deleted: true, deletedReason: 'vendor_deleted' })], {
          leadEvents: [{ leadId: '1', key: 'k', hash: 'old' }, { leadId: '1', key: 'k', hash: 'new' }],
        }),
        NOW_ISO,
        null,
      );
      expect((await store.snapshot.getLeads('a', ['1'])).get('1')).toMatchObject({ hash: 'h3', deleted: true, deletedReason: 'vendor_deleted' });
      expect((await store.snapshot.getLeadEventHashes('a', ['1'])).get('1')!.get('k')).toBe('new');
      expect((await store.sources.get('a'))!.leadCount).toBe(0);
    });

    it('commits nothing of a page that fails part-way: no leads, hashes, events or cursor', async () => {
      const store = await backend.open();
      await withSource(store);
      const first = event('a', '1');
      await store.snapshot.applyPage('a', page([leadWrite('a', '1', 'h1')], { outbox: [first], cursor: 1 }), NOW_ISO, null);
      // The same event id again violates the outbox's uniqueness, after the leads were written.
      const failing = page([leadWrite('a', '1', 'changed'), leadWrite('a', '2', 'h2')], {
        leadEvents: [{ leadId: '2', key: 'k', hash: 'e' }],
        outbox: [event('a', '2'), { ...first }],
        cursor: 2,
      });
      await expect(store.snapshot.applyPage('a', failing, NOW_ISO, null)).rejects.toThrow();
      const leads = await store.snapshot.getLeads('a', ['1', '2']);
      expect([...leads.keys()]).toEqual(['1']);
      expect(leads.get('1')!.hash).toBe('h1');
      expect((await store.snapshot.getLeadEventHashes('a', ['2'])).size).toBe(0);
      expect((await store.events.list({ limit: 10 })).map((e) => e.id)).toEqual([first.id]);
      expect((await store.sources.syncStart('a'))!.cursor).toBe(1);
      // And the store goes on working.
      await store.snapshot.applyPage('a', page([leadWrite('a', '2', 'h2')], { cursor: 3 }), NOW_ISO, null);
      expect((await store.sources.syncStart('a'))!.cursor).toBe(3);
    });

    it('refuses a page written with a stale fencing token and writes nothing of it', async () => {
      const store = await backend.open();
      await withSource(store);
      const old = (await store.leases.acquire('a', 'r1', T0, 1000))!;
      await store.snapshot.applyPage('a', page([leadWrite('a', '1', 'h1')], { cursor: 'c1' }), NOW_ISO, old);
      // r1 stalls past its lease; r2 takes the source over.
      const taken = (await store.leases.acquire('a', 'r2', T0 + 2000, 60_000))!;
      const stalePage = page([leadWrite('a', '1', 'stale'), leadWrite('a', '2', 'h2')], {
        leadEvents: [{ leadId: '2', key: 'k', hash: 'e' }],
        outbox: [event('a', '2')],
        seen: { scan: 1, leadIds: ['1', '2'], missed: [] },
      });
      for (const cursor of ['c-stale', undefined]) {
        await expect(store.snapshot.applyPage('a', { ...stalePage, cursor }, NOW_ISO, old)).rejects.toMatchObject({
          code: 'lease_lost',
          message: expect.stringMatching(/source a.*r1/),
        });
      }
      await expect(store.snapshot.beginScan('a', old)).rejects.toMatchObject({ code: 'lease_lost' });
      await expect(store.snapshot.completeScan('a', 1, 2, NOW_ISO, deleteAll(), old)).rejects.toMatchObject({ code: 'lease_lost' });
      const leads = await store.snapshot.getLeads('a', ['1', '2']);
      expect([...leads.keys()]).toEqual(['1']);
      expect(leads.get('1')!.hash).toBe('h1');
      expect((await store.snapshot.getLeadEventHashes('a', ['2'])).size).toBe(0);
      expect(await store.events.list({ limit: 10 })).toEqual([]);
      expect((await store.sources.syncStart('a'))!.cursor).toBe('c1');
      // The new holder writes.
      await store.snapshot.applyPage('a', page([leadWrite('a', '2', 'h2')], { cursor: 'c2' }), NOW_ISO, taken);
      expect((await store.sources.syncStart('a'))!.cursor).toBe('c2');
    });

    it('refuses a page after the lease was released', async () => {
      const store = await backend.open();
      await withSource(store);
      const fence = (await store.leases.acquire('a', 'r1', T0, 60_000))!;
      await store.leases.release(fence);
      await expect(store.snapshot.applyPage('a', page([leadWrite('a', '1')]), NOW_ISO, fence)).rejects.toMatchObject({ code: 'lease_lost' });
      expect((await store.snapshot.getLeads('a', ['1'])).size).toBe(0);
    });
  });

  describe('full scans', () => {
    async function scanListing(store: Store, listed: string[], decide = deleteAll(), threshold = 2) {
      const scan = await store.snapshot.beginScan('a', null);
      const stored = await store.snapshot.getLeads('a', listed);
      const missed = listed.filter((id) => (stored.get(id)?.missingScans ?? 0) > 0);
      await store.snapshot.applyPage('a', page(listed.filter((id) => !stored.has(id)).map((id) => leadWrite('a', id)), { seen: { scan, leadIds: listed, missed } }), NOW_ISO, null);
      return store.snapshot.completeScan('a', scan, threshold, NOW_ISO, decide, null);
    }

    it('numbers scans and counts the complete scans in a row that missed each lead', async () => {
      const store = await backend.open();
      await withSource(store);
      const first = await store.snapshot.beginScan('a', null);
      expect(await store.snapshot.beginScan('a', null)).toBe(first + 1);
      await scanListing(store, ['1', '2', '3']);
      const seen: { missing?: MissingLead[]; live?: number } = {};
      await scanListing(store, ['1', '2'], holdAll(seen), 2);
      expect(seen).toEqual({ missing: [], live: 3 });
      expect((await store.snapshot.getLeads('a', ['3'])).get('3')!.missingScans).toBe(1);
      await scanListing(store, ['1'], holdAll(seen), 2);
      expect(seen.live).toBe(3);
      expect(seen.missing!.map((m) => [m.leadId, m.missingScans])).toEqual([['3', 2]]);
      expect(seen.missing![0]!.lead).toEqual(lead('a', '3'));
      const missingScans = await store.snapshot.getLeads('a', ['1', '2', '3']);
      expect(['1', '2', '3'].map((id) => missingScans.get(id)!.missingScans)).toEqual([0, 1, 2]);
      // Listed again: found, its count starts over.
      await scanListing(store, ['1', '2', '3'], holdAll(seen), 2);
      const after = await store.snapshot.getLeads('a', ['1', '2', '3']);
      expect(['1', '2', '3'].map((id) => after.get(id)!.missingScans)).toEqual([0, 0, 0]);
    });

    it('drops the marks of a scan that never completed', async () => {
      const store = await backend.open();
      await withSource(store);
      await scanListing(store, ['1', '2']);
      const abandoned = await store.snapshot.beginScan('a', null);
      await store.snapshot.applyPage('a', page([], { seen: { scan: abandoned, leadIds: ['1', '2'], missed: [] } }), NOW_ISO, null);
      // A new scan starts: the abandoned one's marks do not count for it.
      const scan = await store.snapshot.beginScan('a', null);
      await store.snapshot.applyPage('a', page([], { seen: { scan, leadIds: ['1'], missed: [] } }), NOW_ISO, null);
      await store.snapshot.completeScan('a', scan, 2, NOW_ISO, holdAll(), null);
      expect((await store.snapshot.getLeads('a', ['2'])).get('2')!.missingScans).toBe(1);
    });

    it('counts the distinct ids a scan listed, repeats once, marks of an abandoned scan not at all', async () => {
      const store = await backend.open();
      await withSource(store);
      const abandoned = await store.snapshot.beginScan('a', null);
      await store.snapshot.applyPage('a', page([], { seen: { scan: abandoned, leadIds: ['1', '2', '3'], missed: [] } }), NOW_ISO, null);
      const scan = await store.snapshot.beginScan('a', null);
      expect(await store.snapshot.countListed('a', scan)).toBe(0);
      // One lead listed on two pages (a vendor whose order shifts while paging).
      await store.snapshot.applyPage('a', page([], { seen: { scan, leadIds: ['1', '2'], missed: [] } }), NOW_ISO, null);
      await store.snapshot.applyPage('a', page([], { seen: { scan, leadIds: ['2', '4'], missed: [] } }), NOW_ISO, null);
      expect(await store.snapshot.countListed('a', scan)).toBe(3);
      expect(await store.snapshot.countListed('a', abandoned)).toBe(0);
    });

    it('applies the deletes decide() returns, with their events, in the same transaction', async () => {
      const store = await backend.open();
      await withSource(store);
      await scanListing(store, ['1', '2', '3']);
      await scanListing(store, ['1']);
      const decision = await scanListing(store, ['1']);
      expect(decision.apply).toBe(true);
      expect(decision.writes.map((w) => w.leadId)).toEqual(['2', '3']);
      const leads = await store.snapshot.getLeads('a', ['2', '3']);
      expect([...leads.values()].map((l) => [l.deleted, l.deletedReason])).toEqual([[true, 'missing'], [true, 'missing']]);
      expect((await store.events.list({ types: ['lead.deleted'], limit: 10 })).map((e) => e.leadId).sort()).toEqual(['2', '3']);
      expect(await store.sources.get('a')).toMatchObject({ leadCount: 1, deletedLeadCount: 2, heldDeletes: 0, lastCompleteScanAt: NOW_ISO, warning: null });
    });

    it('holds the deletes when decide() says so: counted and warned on the source, nothing deleted', async () => {
      const store = await backend.open();
      await withSource(store);
      await scanListing(store, ['1', '2', '3']);
      await scanListing(store, ['1'], holdAll());
      await scanListing(store, ['1'], holdAll());
      expect(await store.sources.get('a')).toMatchObject({ leadCount: 3, heldDeletes: 2, warning: { code: 'deletes_held', message: '2 held' } });
      expect(await store.events.list({ limit: 10 })).toEqual([]);
      // An operator releases them: settleMissingNow re-decides the leads already missed twice.
      const seen: { missing?: MissingLead[]; live?: number } = {};
      const decision = await store.snapshot.settleMissingNow('a', 2, '2026-02-02T00:00:00.000Z', deleteAll(seen));
      expect(seen.missing!.map((m) => m.leadId)).toEqual(['2', '3']);
      expect(seen.live).toBe(3);
      expect(decision.apply).toBe(true);
      expect(await store.sources.get('a')).toMatchObject({ leadCount: 1, heldDeletes: 0, warning: null, lastCompleteScanAt: '2026-02-02T00:00:00.000Z' });
      expect((await store.events.list({ limit: 10 })).map((e) => e.type)).toEqual(['lead.deleted', 'lead.deleted']);
    });

    it('rolls a complete scan back when decide() throws', async () => {
      const store = await backend.open();
      await withSource(store);
      await scanListing(store, ['1', '2']);
      await expect(
        scanListing(store, ['1'], () => {
          throw new Error('decide failed');
        }),
      ).rejects.toThrow('decide failed');
      expect((await store.snapshot.getLeads('a', ['2'])).get('2')!.missingScans).toBe(0);
      expect((await store.sources.get('a'))!.lastCompleteScanAt).toBe(NOW_ISO);
    });
  });
});
