// The ticks table stays small: a won claim prunes its job's slots more than TICK_SLOTS_KEPT behind.
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { TICK_SLOTS_KEPT } from '../../src/store/postgres/ticks.js';
import { freshPgDatabase } from '../helpers/pg-db.js';

const opened: PgStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('ticks', () => {
  it("prunes a job's old slots when a newer one is won, leaving other jobs alone", async () => {
    const store = await openPgStore({ url: await freshPgDatabase() });
    opened.push(store);
    const rows = async () => (await store.pool.query<{ job: string; slot: number }>('SELECT job, slot FROM ticks ORDER BY job, slot')).rows;
    for (const slot of [1, 2, 3]) await store.ticks.claim('retention', slot, 'r1', 0);
    await store.ticks.claim('other', 1, 'r1', 0);
    expect(await store.ticks.claim('retention', 3 + TICK_SLOTS_KEPT, 'r1', 0)).toBe(true);
    expect(await rows()).toEqual([
      { job: 'other', slot: 1 },
      { job: 'retention', slot: 3 },
      { job: 'retention', slot: 3 + TICK_SLOTS_KEPT },
    ]);
    // A lost claim deletes nothing.
    expect(await store.ticks.claim('retention', 3 + TICK_SLOTS_KEPT, 'r2', 0)).toBe(false);
    expect(await rows()).toHaveLength(3);
  });
});
