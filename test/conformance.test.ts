// One suite, every vendor adapter + simulator pair (hono's shared router suite habit): the promises
// of interface.md and docs/vendors.md "Common rules" hold whichever vendor a source reads. The cases
// come from the registry (src/vendors/registry.ts): a vendor added there runs here with nothing else to edit.
import { afterEach, describe, expect, it } from 'vitest';
import { VENDORS } from '../src/vendors/registry.js';
import type { ConformanceCase } from '../src/vendors/sim-common/types.js';
import { Harness } from './helpers/harness.js';

const NORMALIZED_KEYS = [
  'id', 'source', 'vendor', 'name', 'firstName', 'lastName', 'email', 'emails', 'phone', 'phones', 'company',
  'status', 'tags', 'owner', 'createdAt', 'updatedAt', 'deleted', 'raw',
].sort();

/** Every vendor in the registry, with its conformance cases (src/vendors/<id>/conformance.ts). */
const cases: Array<ConformanceCase & { vendor: string; name: string }> = (
  await Promise.all(VENDORS.map(async (v) => (await v.conformance()).map((c) => ({ ...c, vendor: v.id, name: c.name ?? v.id }))))
).flat();

let h: Harness;
afterEach(async () => h?.stop());


const leadOf = (w: { body: any }) => w.body.data.lead ?? null;

describe.each(cases)('$name', (c) => {
  it('announces new leads across pages with the normalized shape, and nothing when nothing changed', async () => {
    h = await new Harness({ sim: c.make(), source: c.source }).start();
    const ids = h.vendorSim.seed(10);
    const created = (await h.syncAndCollect()).filter((w) => w.type === 'lead.created');
    expect(created.map((w) => leadOf(w).id).sort()).toEqual([...ids].sort());
    for (const w of created) {
      const lead = leadOf(w);
      expect(Object.keys(lead).sort()).toEqual(NORMALIZED_KEYS);
      expect(lead).toMatchObject({ source: h.sourceId, vendor: c.vendor, deleted: false });
      for (const key of NORMALIZED_KEYS) expect(lead[key], key).not.toBeUndefined();
      expect(Array.isArray(lead.emails) && Array.isArray(lead.phones) && Array.isArray(lead.tags)).toBe(true);
      expect(w.body.data).toMatchObject({ source: h.sourceId, vendor: c.vendor });
    }
    expect(await h.syncAndCollect()).toEqual([]);
    expect(await h.syncAndCollect()).toEqual([]);
  });

  it('announces a profile change as lead.updated with previous and changes', async () => {
    h = await new Harness({ sim: c.make(), source: c.source }).start();
    const [id] = h.vendorSim.seed(3);
    await h.syncAndCollect();
    h.vendorSim.touchLead(id!);
    const got = (await h.syncAndCollect()).filter((w) => w.type.startsWith('lead.'));
    expect(got.map((w) => [w.type, leadOf(w).id])).toEqual([['lead.updated', id]]);
    expect(got[0]!.body.data.previous.id).toBe(id);
    expect(got[0]!.body.data.changes.length).toBeGreaterThan(0);
    expect(got[0]!.body.data.changes.every((p: string) => typeof p === 'string' && p.length > 0)).toBe(true);
  });

  it('takes a record sent again with its keys in another order, at every depth, as no change', async () => {
    // Apten lists only what changed since the cursor: every poll lists everything here, so every lead is re-sent.
    h = await new Harness({ sim: c.make(), source: { ...c.source, ...c.fullListEvery?.(1) } }).start();
    h.vendorSim.seed(10);
    await h.syncAndCollect();
    let reordered = 0;
    h.vendorSim.failNext(3, {
      kind: 'rewrite',
      path: c.listPath,
      rewrite: (body) => {
        reordered++;
        return reversedKeys(body);
      },
    });
    const requestsBefore = h.vendorSim.requests.length;
    expect(await h.syncAndCollect()).toEqual([]);
    expect(reordered).toBe(3); // all three pages of 4, 4 and 2 leads came back reordered
    // PenguinMails reads a lead's details only when its row changed: none did.
    expect(h.vendorSim.requests.slice(requestsBefore).filter((r) => !r.path.endsWith(c.listPath))).toEqual([]);
  });

  it('announces a deletion once, and never from a single scan that missed a lead', async () => {
    h = await new Harness({ sim: c.make(), source: c.source }).start();
    const ids = h.vendorSim.seed(10);
    await h.syncAndCollect();
    h.vendorSim.deleteLead(ids[3]!);
    const first = await h.syncAndCollect();
    if (c.softDeletes) {
      expect(first.map((w) => [w.type, w.body.data.reason])).toEqual([['lead.deleted', 'vendor_deleted']]);
    } else {
      // Missed by one complete scan: not yet deleted.
      expect(first).toEqual([]);
      const second = await h.syncAndCollect();
      expect(second.map((w) => [w.type, w.body.data.reason, leadOf(w).id])).toEqual([['lead.deleted', 'missing', ids[3]]]);
      expect(leadOf(second[0]!).deleted).toBe(true);
    }
    expect(await h.syncAndCollect()).toEqual([]);
    const source = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(source.leadCount).toBe(9);
    expect(source.deletedLeadCount).toBe(1);
  });

  it('fails a run on a 500 mid-scan without deleting anything, keeps the pages before it, then recovers', async () => {
    h = await new Harness({ sim: c.make(), source: c.source, maxRetries: 0 }).start();
    h.vendorSim.seed(10);
    await h.syncAndCollect();
    await h.syncAndCollect(); // two complete scans saw everything
    const newIds = Array.from({ length: 5 }, () => h.vendorSim.createLead()); // more than a page, even incrementally
    // The second list page of the next run fails (maxRetries 0: no retry inside the run), twice.
    for (let run = 0; run < 2; run++) {
      h.vendorSim.failNext(1, { status: 500, path: c.listPath, skip: 1 });
      const failed = await h.sync();
      expect(failed.status).toBe('error');
      expect(failed.error!.code).toBe('vendor_http_error');
      expect(failed.stats.pages).toBeGreaterThanOrEqual(1); // it failed mid-scan, after a committed page
      await h.waitIdle();
    }
    expect(h.vendorSim.requests.some((r) => r.status === 500)).toBe(true);
    // Absence vendors must not call anything missing from scans that failed half-way.
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);
    await h.syncAndCollect();
    const created = h.sub.accepted.filter((w) => w.type === 'lead.created' && newIds.includes(leadOf(w).id));
    expect(created.map((w) => leadOf(w).id).sort()).toEqual([...newIds].sort()); // each exactly once
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);
    expect((await h.api('GET', '/v1/sources')).body.data[0].leadCount).toBe(15);
  });
});

/** The same JSON with the keys of every object in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

describe.each(cases.filter((c) => !c.softDeletes))('$name deletes by absence', (c) => {
  const source = async () => (await h.api('GET', '/v1/sources')).body.data[0];

  /** 25 leads in pages of 4: the seventh and last page holds one lead, 4% of them. */
  async function twoCompleteScansOf25() {
    h = await new Harness({ sim: c.make(), source: c.source, maxRetries: 0 }).start();
    h.vendorSim.seed(25);
    await h.syncAndCollect();
    await h.syncAndCollect();
    const s = await source();
    expect(s.lastCompleteScanAt).not.toBeNull();
    return s.lastCompleteScanAt as string;
  }

  /** Two runs whose listings were cut short by `fault`: neither counts, nothing is deleted, and the next complete scan finds everything. */
  async function expectNotCounted(lastComplete: string, fault: () => void, outcome: 'ok' | 'error') {
    for (let run = 0; run < 2; run++) {
      fault();
      const result = await h.sync();
      expect(result.status).toBe(outcome);
      expect(result.stats.scanComplete).not.toBe(true);
      await h.waitIdle();
      expect((await source()).lastCompleteScanAt).toBe(lastComplete);
    }
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);
    expect(await h.syncAndCollect()).toEqual([]);
    const s = await source();
    expect(s.lastCompleteScanAt > lastComplete).toBe(true);
    expect([s.leadCount, s.deletedLeadCount]).toEqual([25, 0]);
  }

  it('a listing that says "no more pages" before the last is incomplete, though only 1 of 25 leads is missing', async () => {
    const lastComplete = await twoCompleteScansOf25();
    await expectNotCounted(
      lastComplete,
      () => h.vendorSim.failNext(1, { kind: 'rewrite', path: c.listPath, skip: 5, rewrite: (body) => (c.endListing!(body), body) }),
      'ok',
    );
    expect((await source()).warning).toBeNull(); // the complete scan cleared scan_incomplete
  });

  it('a listing with fewer leads than the vendor\'s total is incomplete, though only 1 of 25 leads is missing', async () => {
    const lastComplete = await twoCompleteScansOf25();
    await expectNotCounted(
      lastComplete,
      () => h.vendorSim.failNext(1, { kind: 'rewrite', path: c.listPath, skip: 2, rewrite: (body) => (c.dropRecord!(body), body) }),
      'ok',
    );
  });

  it('a scan whose last page failed counts for nothing, though only 1 of 25 leads is missing', async () => {
    const lastComplete = await twoCompleteScansOf25();
    await expectNotCounted(lastComplete, () => h.vendorSim.failNext(1, { status: 500, path: c.listPath, skip: 6 }), 'error');
  });

  it('holds 3 of 10 deletes with maxDeleteShare 0.2, and sends 2 of 10', async () => {
    h = await new Harness({ sim: c.make(), source: { ...c.source, maxDeleteShare: 0.2 } }).start();
    const ids = h.vendorSim.seed(10);
    await h.syncAndCollect();
    for (const id of ids.slice(0, 3)) h.vendorSim.deleteLead(id);
    await h.syncAndCollect();
    expect(await h.syncAndCollect()).toEqual([]);
    const held = await source();
    expect(held.warning.code).toBe('deletes_held');
    expect(held.warning.message).toContain('3 of 10 leads (30%)');
    expect([held.heldDeletes, held.leadCount]).toEqual([3, 10]);
    await h.api('POST', `/v1/sources/${h.sourceId}/release-deletes`);
    await h.waitIdle();
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toHaveLength(3);

    // 2 of the 7 left would be 29%: the guard is about share, so start again at 10 (2 of 10 is 20%).
    h.vendorSim.seed(3);
    await h.syncAndCollect();
    const live = h.vendorSim.leadIds();
    expect(live).toHaveLength(10);
    for (const id of live.slice(0, 2)) h.vendorSim.deleteLead(id);
    await h.syncAndCollect();
    const sent = await h.syncAndCollect();
    expect(sent.map((w) => [w.type, w.body.data.reason]).sort()).toEqual([
      ['lead.deleted', 'missing'],
      ['lead.deleted', 'missing'],
    ]);
    expect((await source()).heldDeletes).toBe(0);
  });

  it('holds a mass delete when the vendor suddenly lists nothing, and warns', async () => {
    h = await new Harness({ sim: c.make(), source: c.source }).start();
    const ids = h.vendorSim.seed(10);
    await h.syncAndCollect();
    for (const id of ids) h.vendorSim.deleteLead(id);
    await h.syncAndCollect();
    expect(await h.syncAndCollect()).toEqual([]);
    const source = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(source.warning.code).toBe('deletes_held');
    expect(source.warning.message).toContain('10 of 10 leads');
    expect(source.heldDeletes).toBe(10);
    expect(source.leadCount).toBe(10);
    // The operator confirms: the deletes go out, once.
    const released = await h.api('POST', `/v1/sources/${h.sourceId}/release-deletes`);
    expect(released.body).toEqual({ source: h.sourceId, deleted: 10 });
    await h.waitIdle();
    expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toHaveLength(10);
    expect(await h.syncAndCollect()).toEqual([]);
  });
});
