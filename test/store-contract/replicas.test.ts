// Store contract: live replicas (ReplicaOps) and leader-less periodic jobs (TickOps).
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/store-backends.js';

const T0 = 1_780_000_000_000;

describe.each(backends)('replicas ($name)', (backend) => {
  it('records heartbeats, lists those seen since a time newest first, and forgets a replica that says goodbye', async () => {
    const store = await backend.open();
    await store.replicas.heartbeat({ id: 'r1', version: '0.1.0', startedAt: T0 }, T0);
    await store.replicas.heartbeat({ id: 'r2', version: '0.2.0', startedAt: T0 + 5 }, T0 + 10);
    await store.replicas.heartbeat({ id: 'r1', version: '0.1.0', startedAt: T0 }, T0 + 20);
    expect(await store.replicas.list(T0)).toEqual([
      { id: 'r1', version: '0.1.0', startedAt: T0, lastSeenAt: T0 + 20 },
      { id: 'r2', version: '0.2.0', startedAt: T0 + 5, lastSeenAt: T0 + 10 },
    ]);
    expect((await store.replicas.list(T0 + 11)).map((r) => r.id)).toEqual(['r1']);
    await store.replicas.remove('r1');
    expect((await store.replicas.list(0)).map((r) => r.id)).toEqual(['r2']);
  });
});

describe.each(backends)('ticks ($name)', (backend) => {
  it('grants each (job, slot) once', async () => {
    const store = await backend.open();
    expect(await store.ticks.claim('retention', 100, 'r1', T0)).toBe(true);
    expect(await store.ticks.claim('retention', 100, 'r1', T0)).toBe(false);
    expect(await store.ticks.claim('retention', 100, 'r2', T0)).toBe(false);
    expect(await store.ticks.claim('retention', 101, 'r2', T0)).toBe(true);
    expect(await store.ticks.claim('other-job', 100, 'r2', T0)).toBe(true);
  });

  it('gives a slot to exactly one of several replicas claiming it at once', async () => {
    const replicas = await backend.openReplicas(4);
    for (let slot = 1; slot <= 10; slot++) {
      const won = await Promise.all(replicas.flatMap((r, i) => [r.ticks.claim('job', slot, `r${i}`, T0), r.ticks.claim('job', slot, `r${i}`, T0)]));
      expect(won.filter(Boolean)).toHaveLength(1);
    }
  });
});
