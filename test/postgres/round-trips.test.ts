// SQL round trips, as the pool counts them (PgStore.roundTrips): a page write stays a handful of
// statements whatever its size (UNNEST batches, not a statement per lead), and the count is exact.
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { event, leadWrite, page } from '../store-contract/data.js';

const opened: PgStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('round trips', () => {
  it('counts every statement; a page of 200 leads and events is 7 round trips, the same as a page of 2', async () => {
    const store = await openPgStore({ url: await freshPgDatabase() });
    opened.push(store);
    await store.sources.register([{ id: 'a', vendor: 'apten' }], 0);
    const trips = async (n: number) => {
      const ids = Array.from({ length: n }, (_, i) => `${n}-${i}`);
      const before = store.roundTrips();
      await store.snapshot.applyPage(
        'a',
        page(ids.map((id) => leadWrite('a', id)), {
          leadEvents: ids.map((id) => ({ leadId: id, key: 'k', hash: 'h' })),
          outbox: ids.map((id) => event('a', id)),
          seen: { scan: 1, leadIds: ids, missed: [] },
          cursor: n,
        }),
        '2026-01-01T00:00:00.000Z',
        null,
      );
      return store.roundTrips() - before;
    };
    // BEGIN, cursor + fence, leads, scan marks, lead events, outbox + fan-out queue + NOTIFY, COMMIT.
    expect(await trips(2)).toBe(7);
    expect(await trips(200)).toBe(7);
    const before = store.roundTrips();
    await store.integrityCheck();
    expect(store.roundTrips() - before).toBe(1);
  });
});
