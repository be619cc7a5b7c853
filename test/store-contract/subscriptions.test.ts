// Store contract: subscriptions (SubscriptionOps). CRUD and keyset pages, the cap held when many
// inserts race across replicas, read-modify-write updates, and config sync: idempotent, and one
// outcome when several replicas apply the same config at once.
import { describe, expect, it } from 'vitest';
import type { ConfigSubscription } from '../../src/store/types.js';
import { backends } from '../helpers/store-backends.js';
import { subscription } from './data.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const GRACE = 86_400_000;

function configSub(id: string, extra: Partial<ConfigSubscription> = {}): ConfigSubscription {
  return {
    id,
    url: `https://example.com/${id}`,
    events: ['lead.created'],
    sources: null,
    description: null,
    enabled: true,
    headers: {},
    maxPerSecond: null,
    maxConcurrency: null,
    filter: null,
    payload: null,
    ...extra,
  };
}

let secrets = 0;
const newSecret = () => `whsec_${Buffer.alloc(32, ++secrets).toString('base64')}`;

describe.each(backends)('subscriptions ($name)', (backend) => {
  it('inserts, reads back every field, updates and deletes', async () => {
    const store = await backend.open();
    const sub = subscription('sub_1', {
      previousSecrets: [{ secret: 'whsec_old', expiresAt: T0 + 5 }],
      events: ['lead.*'],
      sources: ['a', 'b'],
      description: 'CRM',
      headers: { Authorization: 'Bearer x' },
      maxPerSecond: 2.5,
      maxConcurrency: 3,
      failingSince: T0,
      consecutiveFailures: 4,
      circuitOpenUntil: T0 + 30_000,
      origin: 'hook',
      createdBy: 'zapier',
      filter: { 'data.lead.status': { $to: 'won' }, $or: [{ 'data.source': 'a' }, { 'data.lead.tags': 'vip' }] },
      payload: { mode: 'changes', fields: ['status', 'owner.id'] },
    });
    expect(await store.subscriptions.insertWithinLimit(sub, 10)).toBe(true);
    expect(await store.subscriptions.get('sub_1')).toEqual(sub);
    expect(await store.subscriptions.filteredCounts()).toEqual(new Map());
    const refiltered = await store.subscriptions.update('sub_1', { filter: { type: 'lead.created' }, payload: { raw: false } }, '2026-03-01T12:00:00.000Z');
    expect(refiltered).toEqual({ ...sub, filter: { type: 'lead.created' }, payload: { raw: false }, updatedAt: '2026-03-01T12:00:00.000Z' });
    expect(await store.subscriptions.get('sub_1')).toEqual(refiltered);
    await store.subscriptions.update('sub_1', { filter: sub.filter, payload: sub.payload }, sub.updatedAt);
    const updated = await store.subscriptions.update('sub_1', { enabled: false, disabledReason: 'paused', disabledAt: T0, headers: {} }, '2026-03-02T00:00:00.000Z');
    expect(updated).toEqual({ ...sub, enabled: false, disabledReason: 'paused', disabledAt: T0, headers: {}, updatedAt: '2026-03-02T00:00:00.000Z' });
    expect(await store.subscriptions.get('sub_1')).toEqual(updated);
    expect(await store.subscriptions.update('nope', { enabled: false }, '2026-03-02T00:00:00.000Z')).toBeUndefined();
    expect(await store.subscriptions.delete('sub_1')).toBe(true);
    expect(await store.subscriptions.delete('sub_1')).toBe(false);
    expect(await store.subscriptions.get('sub_1')).toBeUndefined();
  });

  it('lists oldest first and pages by (createdAt, id), unmoved by deletes in between', async () => {
    const store = await backend.open();
    const ids = ['s-b', 's-a', 'S-c', 's-d', 's10', 's2'];
    for (const [i, id] of ids.entries()) {
      await store.subscriptions.insertWithinLimit(subscription(id, { createdAt: i < 3 ? '2026-01-01T00:00:00.000Z' : `2026-01-0${i}T00:00:00.000Z` }), 100);
    }
    const order = ['S-c', 's-a', 's-b', 's-d', 's10', 's2'];
    expect((await store.subscriptions.list()).map((s) => s.id)).toEqual(order);
    const p1 = await store.subscriptions.listPage({ limit: 2 });
    expect(p1.map((s) => s.id)).toEqual(['S-c', 's-a']);
    await store.subscriptions.delete('s-b');
    const p2 = await store.subscriptions.listPage({ after: { createdAt: p1[1]!.createdAt, id: p1[1]!.id }, limit: 2 });
    expect(p2.map((s) => s.id)).toEqual(['s-d', 's10']);
    const p3 = await store.subscriptions.listPage({ after: { createdAt: p2[1]!.createdAt, id: p2[1]!.id }, limit: 2 });
    expect(p3.map((s) => s.id)).toEqual(['s2']);
  });

  it('never exceeds the cap when many inserts race across replicas', async () => {
    const replicas = await backend.openReplicas(3);
    const max = 5;
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => replicas[i % 3]!.subscriptions.insertWithinLimit(subscription(`race-${i}`), max)),
    );
    expect(results.filter(Boolean)).toHaveLength(max);
    expect(await replicas[0]!.subscriptions.list()).toHaveLength(max);
  });

  it('keeps every field of racing updates: each is a read-modify-write of the row as committed', async () => {
    const replicas = await backend.openReplicas(3);
    for (let round = 0; round < 5; round++) {
      const id = `s${round}`;
      await replicas[0]!.subscriptions.insertWithinLimit(subscription(id), 100);
      const patches = [
        { description: `d${round}` },
        { maxConcurrency: round + 1 },
        { maxPerSecond: round + 0.5 },
        { events: ['lead.deleted'] },
        { sources: ['x'] },
        { headers: { 'X-Round': String(round) } },
      ];
      await Promise.all(patches.map((p, i) => replicas[i % 3]!.subscriptions.update(id, p, '2026-03-01T00:00:00.000Z')));
      expect(await replicas[0]!.subscriptions.get(id)).toMatchObject(Object.assign({}, ...patches));
    }
  });

  describe('syncFromConfig', () => {
    it('inserts, updates and deletes config subscriptions; leaves API ones alone; refuses an API id', async () => {
      const store = await backend.open();
      await store.subscriptions.insertWithinLimit(subscription('api-1', { origin: 'api' }), 10);
      await store.subscriptions.syncFromConfig([configSub('c1'), configSub('c2', { enabled: false }), configSub('c3', { secret: 'whsec_given' })], newSecret, T0, GRACE);
      const c1 = (await store.subscriptions.get('c1'))!;
      expect(c1).toMatchObject({ origin: 'config', createdBy: null, enabled: true, events: ['lead.created'], createdAt: new Date(T0).toISOString() });
      expect(c1.secret).toMatch(/^whsec_/);
      expect(await store.subscriptions.get('c2')).toMatchObject({ enabled: false, disabledReason: 'disabled in config', disabledAt: T0 });
      expect((await store.subscriptions.get('c3'))!.secret).toBe('whsec_given');

      // Restart with c2 gone, c1 changed, c3's secret rotated in the file.
      const later = T0 + 60_000;
      await store.subscriptions.syncFromConfig([configSub('c1', { url: 'https://example.com/new', maxConcurrency: 2 }), configSub('c3', { secret: 'whsec_rotated' })], newSecret, later, GRACE);
      expect(await store.subscriptions.get('c2')).toBeUndefined();
      expect(await store.subscriptions.get('c1')).toMatchObject({ url: 'https://example.com/new', maxConcurrency: 2, secret: c1.secret, updatedAt: new Date(later).toISOString() });
      expect(await store.subscriptions.get('c3')).toMatchObject({ secret: 'whsec_rotated', previousSecrets: [{ secret: 'whsec_given', expiresAt: later + GRACE }] });
      expect(await store.subscriptions.get('api-1')).toBeDefined();

      await expect(store.subscriptions.syncFromConfig([configSub('api-1')], newSecret, later, GRACE)).rejects.toThrow(/api-1.*already used/);
      expect((await store.subscriptions.list()).map((s) => s.id).sort()).toEqual(['api-1', 'c1', 'c3']);
    });

    it('keeps a runtime disable while the config says enabled; a config disable always wins', async () => {
      const store = await backend.open();
      await store.subscriptions.syncFromConfig([configSub('c1'), configSub('c2')], newSecret, T0, GRACE);
      await store.subscriptions.update('c1', { enabled: false, disabledReason: 'endpoint answered 410 Gone', disabledAt: T0 + 1 }, '2026-03-01T00:00:01.000Z');
      await store.subscriptions.syncFromConfig([configSub('c1'), configSub('c2', { enabled: false })], newSecret, T0 + 2, GRACE);
      expect(await store.subscriptions.get('c1')).toMatchObject({ enabled: false, disabledReason: 'endpoint answered 410 Gone', disabledAt: T0 + 1 });
      expect(await store.subscriptions.get('c2')).toMatchObject({ enabled: false, disabledReason: 'disabled in config', disabledAt: T0 + 2 });
    });

    it('changes nothing when the same config is applied again', async () => {
      const store = await backend.open();
      const wanted = [configSub('c1', { headers: { 'X-Key': 'k' }, sources: ['a'] }), configSub('c2', { enabled: false }), configSub('c3', { secret: 'whsec_given' })];
      await store.subscriptions.syncFromConfig(wanted, newSecret, T0, GRACE);
      const before = await store.subscriptions.list();
      const again = await store.subscriptions.syncFromConfig(wanted, newSecret, T0 + 3_600_000, GRACE);
      expect(again).toEqual({ secretsCutShort: [] });
      expect(await store.subscriptions.list()).toEqual(before);
    });

    it('reports secrets cut short when a rotation would leave more than three signing', async () => {
      const store = await backend.open();
      let now = T0;
      await store.subscriptions.syncFromConfig([configSub('c', { secret: 'whsec_0' })], newSecret, now, GRACE);
      const cut: string[][] = [];
      for (let i = 1; i <= 4; i++) cut.push((await store.subscriptions.syncFromConfig([configSub('c', { secret: `whsec_${i}` })], newSecret, (now += 1000), GRACE)).secretsCutShort);
      expect(cut).toEqual([[], [], [], ['c']]);
      expect((await store.subscriptions.get('c'))!.previousSecrets.map((p) => p.secret)).toEqual(['whsec_3', 'whsec_2', 'whsec_1']);
    });

    it('gives one outcome when several replicas apply the same config at once', async () => {
      const replicas = await backend.openReplicas(4);
      await replicas[0]!.subscriptions.syncFromConfig([configSub('gone')], newSecret, T0, GRACE);
      const wanted = [configSub('c1'), configSub('c2'), configSub('c3', { secret: 'whsec_given' })];
      // Each replica generates its own secrets: only one replica's may be kept, the same for all.
      const results = await Promise.all(replicas.map((r, i) => r.subscriptions.syncFromConfig(wanted, () => `whsec_from_replica_${i}`, T0 + 1000, GRACE)));
      expect(results).toEqual(replicas.map(() => ({ secretsCutShort: [] })));
      const subs = await replicas[0]!.subscriptions.list();
      expect(subs.map((s) => s.id).sort()).toEqual(['c1', 'c2', 'c3']);
      const winners = new Set(subs.filter((s) => s.id !== 'c3').map((s) => s.secret));
      expect(winners.size).toBe(1);
      for (const r of replicas) expect(await r.subscriptions.list()).toEqual(subs);
    });
  });
});
