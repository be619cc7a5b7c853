// Store contract: source leases (LeaseOps). One replica holds a source at a time; renewal keeps the
// token, a takeover after expiry or release draws a larger one; racing acquirers get one winner.
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/store-backends.js';

const T0 = 1_780_000_000_000;
const TTL = 30_000;

describe.each(backends)('leases ($name)', (backend) => {
  it('grants a free lease, refuses a second replica while it is live, and renews keeping the token', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    const r1 = await store.leases.acquire('a', 'r1', T0, TTL);
    expect(r1).toMatchObject({ sourceId: 'a', replicaId: 'r1' });
    expect(await store.leases.acquire('a', 'r2', T0 + TTL - 1, TTL)).toBeNull();
    // The holder asking again is a renewal: same token.
    expect(await store.leases.acquire('a', 'r1', T0 + 10_000, TTL)).toEqual(r1);
    expect(await store.leases.renew(r1!, T0 + 20_000, TTL)).toBe(true);
    expect(await store.leases.acquire('a', 'r2', T0 + 20_000 + TTL - 1, TTL)).toBeNull();
    expect(await store.leases.list()).toEqual([{ sourceId: 'a', owner: 'r1', token: r1!.token, expiresAt: T0 + 20_000 + TTL }]);
  });

  it('lets another replica take an expired lease with a larger token; the old holder can no longer renew', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    const r1 = (await store.leases.acquire('a', 'r1', T0, TTL))!;
    const r2 = (await store.leases.acquire('a', 'r2', T0 + TTL, TTL))!;
    expect(r2.replicaId).toBe('r2');
    expect(r2.token).toBeGreaterThan(r1.token);
    expect(await store.leases.renew(r1, T0 + TTL + 1, TTL)).toBe(false);
    expect(await store.leases.acquire('a', 'r1', T0 + TTL + 1, TTL)).toBeNull();
    // Back to r1 later: larger again (tokens only grow).
    const again = (await store.leases.acquire('a', 'r1', T0 + 3 * TTL, TTL))!;
    expect(again.token).toBeGreaterThan(r2.token);
    expect((await store.leases.list())[0]).toMatchObject({ owner: 'r1', token: again.token });
  });

  it('renews an expired lease that nobody took (it was not lost)', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    const r1 = (await store.leases.acquire('a', 'r1', T0, TTL))!;
    expect(await store.leases.renew(r1, T0 + 5 * TTL, TTL)).toBe(true);
    expect(await store.leases.acquire('a', 'r2', T0 + 5 * TTL + 1, TTL)).toBeNull();
  });

  it('frees a released lease at once for another replica, with a larger token', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    const r1 = (await store.leases.acquire('a', 'r1', T0, TTL))!;
    await store.leases.release(r1);
    expect(await store.leases.list()).toEqual([{ sourceId: 'a', owner: null, token: r1.token, expiresAt: null }]);
    expect(await store.leases.renew(r1, T0 + 1, TTL)).toBe(false);
    const r2 = (await store.leases.acquire('a', 'r2', T0 + 1, TTL))!;
    expect(r2.token).toBeGreaterThan(r1.token);
    // Releasing with a stale fence changes nothing.
    await store.leases.release(r1);
    expect((await store.leases.list())[0]).toMatchObject({ owner: 'r2', token: r2.token });
  });

  it('lists every source, leased or not, and grants nothing for an unknown source', async () => {
    const store = await backend.open();
    await store.sources.register([{ id: 'b', vendor: 'apten' }, { id: 'a', vendor: 'apten' }], T0);
    const fence = (await store.leases.acquire('b', 'r1', T0, TTL))!;
    expect(await store.leases.list()).toEqual([
      { sourceId: 'a', owner: null, token: 0, expiresAt: null },
      { sourceId: 'b', owner: 'r1', token: fence.token, expiresAt: T0 + TTL },
    ]);
    expect(await store.leases.acquire('nope', 'r1', T0, TTL)).toBeNull();
  });

  it('gives a free lease to exactly one of several replicas asking at once', async () => {
    const replicas = await backend.openReplicas(4);
    await replicas[0]!.sources.register([{ id: 'a', vendor: 'apten' }], T0);
    for (let round = 0; round < 5; round++) {
      const now = T0 + round * 2 * TTL; // each round starts after the previous lease expired
      const results = await Promise.all(
        replicas.flatMap((store, i) => [store.leases.acquire('a', `r${i}`, now, TTL), store.leases.acquire('a', `r${i}`, now, TTL)]),
      );
      const owners = new Set(results.filter((f) => f !== null).map((f) => f!.replicaId));
      expect(owners.size).toBe(1);
      const [owner] = [...owners];
      expect((await replicas[0]!.leases.list())[0]!.owner).toBe(owner);
    }
  });
});
